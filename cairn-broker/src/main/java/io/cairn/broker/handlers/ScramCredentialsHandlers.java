package io.cairn.broker.handlers;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ScramCredentialImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterUserScramCredentialsRequest;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;

/**
 * AlterUserScramCredentials, decided by the active controller (forwarded to it from any node, as every metadata
 * write), and DescribeUserScramCredentials, answered from this node's image as Kafka's brokers answer it from their
 * metadata cache: each user's mechanisms and iteration counts, never a salt or key. These are what
 * {@code kafka-configs --entity-type users --alter --add-config 'SCRAM-SHA-256=[...]'} and {@code --describe} send.
 *
 * <p>Thread-safe (stateless).
 */
public final class ScramCredentialsHandlers {

    private ScramCredentialsHandlers() {
    }

    public static ApiHandler<AlterUserScramCredentialsRequest> alter(Function<RequestContext, MetadataWriter> writer) {
        return new Alter(writer);
    }

    public static ApiHandler<DescribeUserScramCredentialsRequest> describe(Supplier<MetadataImage> image) {
        return new Describe(image);
    }

    private record Alter(Function<RequestContext, MetadataWriter> writer)
            implements ApiHandler<AlterUserScramCredentialsRequest> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, AlterUserScramCredentialsRequest request) {
            return writer.apply(context).alterUserScramCredentials(request.data()).thenApply(response -> response);
        }
    }

    private record Describe(Supplier<MetadataImage> image) implements ApiHandler<DescribeUserScramCredentialsRequest> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context,
                                                    DescribeUserScramCredentialsRequest request) {
            MetadataImage current = image.get();
            // every user when none is named; a user named twice is answered once, with DUPLICATE_RESOURCE
            Map<String, Boolean> duplicated = new LinkedHashMap<>();
            if (request.data().users() == null || request.data().users().isEmpty()) {
                current.scramCredentials().keySet().forEach(user -> duplicated.put(user, false));
            } else {
                for (DescribeUserScramCredentialsRequestData.UserName user : request.data().users()) {
                    duplicated.merge(user.name(), false, (a, b) -> true);
                }
            }
            DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
            duplicated.forEach((user, twice) -> {
                DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(user);
                Map<String, ScramCredentialImage> credentials = current.scramCredentials().get(user);
                if (twice) {
                    result.setErrorCode(Errors.DUPLICATE_RESOURCE.code()).setErrorMessage(
                            "Cannot describe SCRAM credentials for the same user twice in a single request: " + user);
                } else if (credentials == null) {
                    result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code()).setErrorMessage(
                            "Attempt to describe a user credential that does not exist: " + user);
                } else {
                    credentials.forEach((mechanism, credential) -> result.credentialInfos().add(new CredentialInfo()
                            .setMechanism(ScramMechanism.fromMechanismName(mechanism).type())
                            .setIterations(credential.iterations())));
                }
                response.results().add(result);
            });
            return CompletableFuture.completedFuture(response);
        }
    }
}
