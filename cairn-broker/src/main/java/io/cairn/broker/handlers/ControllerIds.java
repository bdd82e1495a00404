package io.cairn.broker.handlers;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;

/**
 * The controller id clients are told (Metadata, DescribeCluster). Clients send admin requests to that
 * node, so it must be a broker they can see: the active controller's node when it is a live broker,
 * else any live broker (which forwards), as Kafka's KRaft brokers do.
 */
final class ControllerIds {

    private ControllerIds() {
    }

    static int reachable(MetadataImage image, int activeControllerId) {
        BrokerImage active = image.brokers().get(activeControllerId);
        if (active != null && !active.fenced()) {
            return activeControllerId;
        }
        return image.brokers().values().stream()
                .filter(b -> !b.fenced())
                .mapToInt(BrokerImage::id)
                .min()
                .orElse(-1);
    }
}
