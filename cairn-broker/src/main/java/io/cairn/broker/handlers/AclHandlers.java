package io.cairn.broker.handlers;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.acl.Acl;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;

/**
 * CreateAcls and DeleteAcls, decided by the active controller (forwarded to it from any node) and answered once this
 * node's image shows the change, and DescribeAcls, answered from this node's image: what {@code kafka-acls.sh} and
 * Admin's {@code createAcls}/{@code describeAcls}/{@code deleteAcls} send. Without an authorizer
 * ({@code authorizer.class.name} unset) all three answer SECURITY_DISABLED, as Kafka's brokers do.
 *
 * <p>Thread-safe (stateless).
 */
public final class AclHandlers {

    private AclHandlers() {
    }

    public static ApiHandler<CreateAclsRequest> create(boolean enabled, Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.CREATE_ACLS, enabled, (c, r) -> w.apply(c).createAcls(r.data())
                .thenApply(response -> response));
    }

    public static ApiHandler<DeleteAclsRequest> delete(boolean enabled, Function<RequestContext, MetadataWriter> w) {
        return new Handler<>(ApiKeys.DELETE_ACLS, enabled, (c, r) -> w.apply(c).deleteAcls(r.data())
                .thenApply(response -> response));
    }

    public static ApiHandler<DescribeAclsRequest> describe(boolean enabled, Supplier<MetadataImage> image) {
        return new Handler<>(ApiKeys.DESCRIBE_ACLS, enabled, (c, r) -> {
            AclBindingFilter filter = r.filter();
            if (filter.isUnknown()) {
                throw new InvalidRequestException("The filter has unknown values: " + filter);
            }
            List<AclBinding> matching = image.get().acls().acls().values().stream().map(Acl::toBinding)
                    .filter(filter::matches).toList();
            return CompletableFuture.completedFuture(new DescribeAclsResponseData()
                    .setResources(DescribeAclsResponse.aclsResources(matching)));
        });
    }

    private record Handler<R extends org.apache.kafka.common.requests.AbstractRequest>(
            ApiKeys apiKey, boolean enabled,
            java.util.function.BiFunction<RequestContext, R, CompletableFuture<ApiMessage>> serve)
            implements ApiHandler<R> {

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
            if (!enabled) {
                return CompletableFuture.failedFuture(new SecurityDisabledException("No Authorizer is configured."));
            }
            return serve.apply(context, request);
        }
    }
}
