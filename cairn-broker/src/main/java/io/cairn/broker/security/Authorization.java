package io.cairn.broker.security;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.cairn.metadata.MetadataImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Puts the authorizer in front of every handler of a node: each request is checked by its API's {@link AccessRule}
 * against the current metadata image before (and, for what it lists, after) its handler runs. Without an authorizer
 * the handlers are served as they are.
 *
 * <p>Thread-safe.
 */
public final class Authorization {

    private Authorization() {
    }

    /**
     * @param autoCreateTopics the node's {@code auto.create.topics.enable}: Metadata checks CREATE only when it
     *                         would create
     */
    public static UnaryOperator<ApiHandler<?>> guard(RequestAuthorizer authorizer, Supplier<MetadataImage> image,
                                                     boolean autoCreateTopics) {
        if (!authorizer.enabled()) {
            return UnaryOperator.identity();
        }
        AccessRules rules = new AccessRules(autoCreateTopics);
        return handler -> guarded(handler, authorizer, image, rules);
    }

    /** Whether the API has its own rule (else it is refused while an authorizer is on). */
    public static boolean covers(ApiKeys apiKey) {
        return new AccessRules(true).covers(apiKey);
    }

    @SuppressWarnings("unchecked")
    private static <R extends AbstractRequest> ApiHandler<R> guarded(ApiHandler<?> handler,
                                                                     RequestAuthorizer authorizer,
                                                                     Supplier<MetadataImage> image,
                                                                     AccessRules rules) {
        ApiHandler<R> inner = (ApiHandler<R>) handler;
        AccessRule<R> rule = rules.rule(inner.apiKey());
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return inner.apiKey();
            }

            @Override
            public short minVersion() {
                return inner.minVersion();
            }

            @Override
            public short maxVersion() {
                return inner.maxVersion();
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
                try {
                    return rule.serve(new Caller(authorizer, context, image.get()), request,
                            r -> inner.handle(context, r));
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }
        };
    }
}
