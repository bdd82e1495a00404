package io.cairn.metadata.controller;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RemoveUserScramCredentialRecord;
import io.cairn.metadata.record.UserScramCredentialRecord;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;

/**
 * Decides AlterUserScramCredentials as Kafka's controller does: per user, at most one change per request
 * (DUPLICATE_RESOURCE otherwise); a non-empty name and a known mechanism (UNACCEPTABLE_CREDENTIAL,
 * UNSUPPORTED_SASL_MECHANISM); between the mechanism's minimum (4096) and 16384 iterations; a deletion of a
 * credential that exists (RESOURCE_NOT_FOUND). The client sends a salted password (Admin salts it), from which
 * kafka-clients' {@link ScramFormatter} derives the StoredKey and ServerKey that are stored; the password itself
 * never reaches the broker. The valid changes are written in one batch, the others answered with their error.
 *
 * <p>Stateless; a pure function of the image and the request.
 */
final class ScramControl {

    /** Kafka's bound on the iterations of a stored credential. */
    static final int MAX_ITERATIONS = 16384;
    private static final ApiError DUPLICATE = new ApiError(Errors.DUPLICATE_RESOURCE,
            "A user credential cannot be altered twice in the same request");

    private ScramControl() {
    }

    static ControllerResult<AlterUserScramCredentialsResponseData> alterUserScramCredentials(
            MetadataImage image, AlterUserScramCredentialsRequestData request) {
        Map<String, ApiError> refused = new LinkedHashMap<>();
        Map<String, ScramCredentialDeletion> deletions = new LinkedHashMap<>();
        Map<String, ScramCredentialUpsertion> upsertions = new LinkedHashMap<>();
        for (ScramCredentialDeletion deletion : request.deletions()) {
            if (refused.containsKey(deletion.name())) {
                continue;
            }
            if (deletions.remove(deletion.name()) != null) {
                refused.put(deletion.name(), DUPLICATE);
                continue;
            }
            ApiError error = validate(deletion.name(), deletion.mechanism());
            if (error.isSuccess() && image.scramCredential(deletion.name(),
                    ScramMechanism.fromType(deletion.mechanism()).mechanismName()).isEmpty()) {
                error = new ApiError(Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does "
                        + "not exist");
            }
            if (error.isFailure()) {
                refused.put(deletion.name(), error);
            } else {
                deletions.put(deletion.name(), deletion);
            }
        }
        for (ScramCredentialUpsertion upsertion : request.upsertions()) {
            if (refused.containsKey(upsertion.name())) {
                continue;
            }
            if (deletions.remove(upsertion.name()) != null || upsertions.remove(upsertion.name()) != null) {
                refused.put(upsertion.name(), DUPLICATE);
                continue;
            }
            ApiError error = validate(upsertion.name(), upsertion.mechanism());
            if (error.isSuccess()) {
                int min = scramMechanism(upsertion.mechanism()).minIterations();
                if (upsertion.iterations() < min) {
                    error = new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
                } else if (upsertion.iterations() > MAX_ITERATIONS) {
                    error = new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
                }
            }
            if (error.isFailure()) {
                refused.put(upsertion.name(), error);
            } else {
                upsertions.put(upsertion.name(), upsertion);
            }
        }
        List<MetadataRecord> records = new ArrayList<>();
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        deletions.values().forEach(deletion -> {
            records.add(new RemoveUserScramCredentialRecord(deletion.name(),
                    ScramMechanism.fromType(deletion.mechanism()).mechanismName()));
            response.results().add(result(deletion.name(), ApiError.NONE));
        });
        upsertions.values().forEach(upsertion -> {
            try {
                records.add(credential(upsertion));
                response.results().add(result(upsertion.name(), ApiError.NONE));
            } catch (InvalidKeyException | NoSuchAlgorithmException | RuntimeException e) {
                refused.put(upsertion.name(), new ApiError(Errors.UNACCEPTABLE_CREDENTIAL,
                        "The salted password cannot be used: " + e.getMessage()));
            }
        });
        refused.forEach((user, error) -> response.results().add(result(user, error)));
        return ControllerResult.of(records, response);
    }

    /** The record of a credential, keys derived from the salted password the client sent. */
    private static UserScramCredentialRecord credential(ScramCredentialUpsertion upsertion)
            throws NoSuchAlgorithmException, InvalidKeyException {
        ScramFormatter formatter = new ScramFormatter(scramMechanism(upsertion.mechanism()));
        byte[] saltedPassword = upsertion.saltedPassword();
        return new UserScramCredentialRecord(upsertion.name(),
                ScramMechanism.fromType(upsertion.mechanism()).mechanismName(), upsertion.salt(),
                formatter.storedKey(formatter.clientKey(saltedPassword)), formatter.serverKey(saltedPassword),
                upsertion.iterations());
    }

    private static ApiError validate(String name, byte mechanism) {
        if (name.isEmpty()) {
            return new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        if (ScramMechanism.fromType(mechanism) == ScramMechanism.UNKNOWN) {
            return new ApiError(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        }
        return ApiError.NONE;
    }

    private static org.apache.kafka.common.security.scram.internals.ScramMechanism scramMechanism(byte type) {
        return org.apache.kafka.common.security.scram.internals.ScramMechanism.forMechanismName(
                ScramMechanism.fromType(type).mechanismName());
    }

    private static AlterUserScramCredentialsResult result(String user, ApiError error) {
        return new AlterUserScramCredentialsResult().setUser(user).setErrorCode(error.error().code())
                .setErrorMessage(error.isFailure() ? error.message() : null);
    }
}
