package io.cairn.metadata.controller;

import java.util.List;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Decides the finalized level of {@value MetadataFormat#FEATURE_NAME} (docs/adr/0028), as Kafka's controller decides
 * {@code metadata.version}: UpdateFeatures raises it only when the controller's own node and every registered broker,
 * fenced or not, support the new level (a fenced broker may come back at any moment and must read what is written);
 * it is never lowered. A broker that does not support the finalized level cannot register.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class FeatureControl {

    private FeatureControl() {
    }

    /**
     * The levels a BrokerRegistration says its broker supports, or null when it names none (a broker of the release
     * before the feature, which supports up to {@link MetadataFormat#PREVIOUS_RELEASE_MAX}).
     */
    public static MetadataFormat.Range registeredRange(BrokerRegistrationRequestData request) {
        BrokerRegistrationRequestData.Feature feature = request.features().find(MetadataFormat.FEATURE_NAME);
        if (feature == null || feature.minSupportedVersion() > feature.maxSupportedVersion()) {
            return null;
        }
        return new MetadataFormat.Range(feature.minSupportedVersion(), feature.maxSupportedVersion());
    }

    /**
     * Why a broker that supports {@code supported} cannot register in a cluster at {@code image}'s level (Kafka's
     * UNSUPPORTED_VERSION message), or null when it can.
     */
    public static String registrationRefusal(MetadataImage image, MetadataFormat.Range supported) {
        short finalized = image.metadataFormatFeatureLevel();
        if (image.clusterId() == null || supported.contains(finalized)) {
            return null;
        }
        return "Unable to register because the broker does not support finalized version " + finalized + " of "
                + MetadataFormat.FEATURE_NAME + ". The broker wants a version between " + supported.min() + " and "
                + supported.max() + ", inclusive.";
    }

    /**
     * UpdateFeatures: all or nothing; the answer's top-level error (and each feature's) is the first refusal.
     *
     * @param own the levels the controller's own node supports
     */
    public static ControllerResult<UpdateFeaturesResponseData> updateFeatures(MetadataImage image, int nodeId,
                                                                              MetadataFormat.Range own,
                                                                              UpdateFeaturesRequestData request) {
        Errors error = Errors.NONE;
        String message = null;
        short raiseTo = -1;
        for (UpdateFeaturesRequestData.FeatureUpdateKey update : request.featureUpdates()) {
            String refusal = refusal(image, nodeId, own, update);
            if (refusal != null) {
                error = Errors.INVALID_UPDATE_VERSION;
                message = "Invalid update version " + update.maxVersionLevel() + " for feature " + update.feature()
                        + ". " + refusal;
                break;
            }
            if (update.maxVersionLevel() > image.metadataFormatFeatureLevel()) {
                raiseTo = update.maxVersionLevel();
            }
        }
        UpdateFeaturesResponseData response = new UpdateFeaturesResponseData().setErrorCode(error.code())
                .setErrorMessage(message);
        for (UpdateFeaturesRequestData.FeatureUpdateKey update : request.featureUpdates()) {
            response.results().add(new UpdateFeaturesResponseData.UpdatableFeatureResult()
                    .setFeature(update.feature()).setErrorCode(error.code()).setErrorMessage(message));
        }
        List<MetadataRecord> records = error == Errors.NONE && raiseTo > 0 && !request.validateOnly()
                ? List.of(new FeatureLevelRecord(raiseTo)) : List.of();
        return ControllerResult.of(records, response);
    }

    /** Why this one update cannot be made, in Kafka's words after "Invalid update version N for feature F. "; null: it can. */
    private static String refusal(MetadataImage image, int nodeId, MetadataFormat.Range own,
                                  UpdateFeaturesRequestData.FeatureUpdateKey update) {
        if (!MetadataFormat.FEATURE_NAME.equals(update.feature())) {
            return "The controller does not support the given feature (Cairn sets transaction.version and "
                    + "group.version per node, in its properties).";
        }
        short level = update.maxVersionLevel();
        short finalized = image.metadataFormatFeatureLevel();
        if (level < finalized) {
            return "Can't downgrade the version of this feature: records written at level " + finalized
                    + " cannot be rewritten.";
        }
        if (level == finalized) {
            return null;
        }
        if (!own.contains(level)) {
            return "Local controller " + nodeId + " only supports versions " + own + ".";
        }
        for (BrokerImage broker : image.brokers().values()) {
            MetadataFormat.Range supported = broker.supportedMetadataVersions();
            if (!supported.contains(level)) {
                return "Broker " + broker.id() + " only supports versions " + supported + ".";
            }
        }
        return null;
    }
}
