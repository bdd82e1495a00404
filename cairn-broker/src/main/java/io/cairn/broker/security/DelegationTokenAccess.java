package io.cairn.broker.security;

import static org.apache.kafka.common.acl.AclOperation.CLUSTER_ACTION;
import static org.apache.kafka.common.acl.AclOperation.CREATE_TOKENS;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_TOKENS;

import io.cairn.broker.cluster.ForwardedPrincipal;
import io.cairn.broker.handlers.DelegationTokenHandlers;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.DelegationTokenAuthorizationException;
import org.apache.kafka.common.message.DescribeDelegationTokenResponseData;
import org.apache.kafka.common.message.DescribeDelegationTokenResponseData.DescribedDelegationToken;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreateDelegationTokenRequest;
import org.apache.kafka.common.requests.DescribeDelegationTokenRequest;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The delegation token APIs' checks, as Kafka's KafkaApis: CREATE_TOKENS on the USER resource of the owner when a
 * client asks for a token owned by someone else (DELEGATION_TOKEN_AUTHORIZATION_FAILED otherwise); a describe shows a
 * token to its owner, requester and renewers, and to whoever may DESCRIBE it (the DELEGATION_TOKEN resource, its id)
 * or DESCRIBE_TOKENS on the USER resource of its owner. Renew and expire are checked by the controller (owner or
 * renewer). A request carrying {@link ForwardedPrincipal} needs CLUSTER_ACTION on the cluster: only the brokers may
 * speak for a client, as only they may send Kafka's Envelope.
 *
 * <p>Stateless, thread-safe.
 */
final class DelegationTokenAccess {

    private DelegationTokenAccess() {
    }

    static AccessRule<CreateDelegationTokenRequest> create() {
        return (caller, request, handler) -> {
            if (ForwardedPrincipal.present(request.data())) {
                return forwarded(caller, request, handler);
            }
            KafkaPrincipal requester = caller.context().principal();
            KafkaPrincipal owner = DelegationTokenHandlers.owner(requester, request);
            if (DelegationTokenHandlers.allowTokenRequests(caller.context()) && !owner.equals(requester)
                    && !caller.may(CREATE_TOKENS, ResourceType.USER, owner.toString())) {
                return AccessRule.denied(new DelegationTokenAuthorizationException("The principal " + requester
                        + " may not create tokens for " + owner));
            }
            return handler.apply(request);
        };
    }

    static <R extends AbstractRequest> AccessRule<R> forwardedOnly() {
        return (caller, request, handler) -> ForwardedPrincipal.present(request.data())
                ? forwarded(caller, request, handler) : handler.apply(request);
    }

    private static <R extends AbstractRequest> java.util.concurrent.CompletableFuture<
            org.apache.kafka.common.protocol.ApiMessage> forwarded(
            Caller caller, R request,
            java.util.function.Function<R, java.util.concurrent.CompletableFuture<
                    org.apache.kafka.common.protocol.ApiMessage>> handler) {
        return caller.mayOnCluster(CLUSTER_ACTION) ? handler.apply(request)
                : AccessRule.denied(new ClusterAuthorizationException("Request " + request.apiKey()
                + " names the principal it speaks for, which needs " + CLUSTER_ACTION + " on the cluster"));
    }

    static AccessRule<DescribeDelegationTokenRequest> describe() {
        return (caller, request, handler) -> handler.apply(request).thenApply(response -> {
            DescribeDelegationTokenResponseData data = (DescribeDelegationTokenResponseData) response;
            String principal = caller.context().principal().toString();
            data.tokens().removeIf(token -> !visible(caller, principal, token));
            return data;
        });
    }

    private static boolean visible(Caller caller, String principal, DescribedDelegationToken token) {
        String owner = new KafkaPrincipal(token.principalType(), token.principalName()).toString();
        boolean ownerOrRenewer = owner.equals(principal)
                || new KafkaPrincipal(token.tokenRequesterPrincipalType(), token.tokenRequesterPrincipalName())
                .toString().equals(principal)
                || token.renewers().stream().anyMatch(r ->
                new KafkaPrincipal(r.principalType(), r.principalName()).toString().equals(principal));
        return ownerOrRenewer || caller.may(DESCRIBE, ResourceType.DELEGATION_TOKEN, token.tokenId())
                || caller.may(DESCRIBE_TOKENS, ResourceType.USER, owner);
    }
}
