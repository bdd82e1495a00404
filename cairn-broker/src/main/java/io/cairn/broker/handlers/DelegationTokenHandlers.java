package io.cairn.broker.handlers;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.broker.cluster.ForwardedPrincipal;
import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.metadata.DelegationTokens;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.record.DelegationTokenRecord;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.CreateDelegationTokenResponseData;
import org.apache.kafka.common.message.DescribeDelegationTokenResponseData;
import org.apache.kafka.common.message.DescribeDelegationTokenResponseData.DescribedDelegationToken;
import org.apache.kafka.common.message.DescribeDelegationTokenResponseData.DescribedDelegationTokenRenewer;
import org.apache.kafka.common.message.ExpireDelegationTokenResponseData;
import org.apache.kafka.common.message.RenewDelegationTokenResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateDelegationTokenRequest;
import org.apache.kafka.common.requests.DescribeDelegationTokenRequest;
import org.apache.kafka.common.requests.ExpireDelegationTokenRequest;
import org.apache.kafka.common.requests.RenewDelegationTokenRequest;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * The delegation token APIs (KIP-48, docs/adr/0034), as Kafka's KafkaApis serves them. Create, renew and expire are
 * decided by the active controller, forwarded from any node with the client connection's principal beside them
 * ({@link ForwardedPrincipal}); describe is answered from this node's image. A connection that may not ask for tokens
 * ({@link #allowTokenRequests}) is answered DELEGATION_TOKEN_REQUEST_NOT_ALLOWED before anything else. What needs
 * the authorizer (CREATE_TOKENS for another owner, which tokens a describe shows) is checked by the dispatcher's
 * access rules, not here.
 *
 * <p>Thread-safe (stateless).
 */
public final class DelegationTokenHandlers {

    private DelegationTokenHandlers() {
    }

    /**
     * Kafka's rule ({@code KafkaApis.allowTokenRequests}): not on a connection authenticated with a token, not on
     * PLAINTEXT, not on SSL without a client certificate (ANONYMOUS). An unknown protocol counts as PLAINTEXT.
     */
    public static boolean allowTokenRequests(RequestContext context) {
        SecurityProtocol protocol = context.securityProtocol();
        return !(context.principal().tokenAuthenticated() || protocol == null || protocol == SecurityProtocol.PLAINTEXT
                || (protocol == SecurityProtocol.SSL && KafkaPrincipal.ANONYMOUS.equals(context.principal())));
    }

    /** Whether the request came from another node, which names the client's principal in the request. */
    private static boolean forwarded(RequestContext context) {
        return InterBrokerChannel.isForwarded(context.clientId());
    }

    /**
     * The principal a token request is decided for: the client's, named by the forwarding node, or this connection's
     * (any principal a client named itself is taken out of its request). Empty: refuse it.
     */
    private static Optional<KafkaPrincipal> requester(RequestContext context, ApiMessage request) {
        if (forwarded(context)) {
            return ForwardedPrincipal.read(request);
        }
        ForwardedPrincipal.remove(request);
        return allowTokenRequests(context) ? Optional.of(context.principal()) : Optional.empty();
    }

    private static Errors refusal(RequestContext context) {
        return forwarded(context) ? Errors.INVALID_REQUEST : Errors.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
    }

    /** The version from which the token responses carry the requester (KIP-373); older ones cannot encode it. */
    private static final short REQUESTER_VERSION = 3;

    /** The response as {@code version} can carry it: without the requester below version 3. */
    private static ApiMessage forVersion(CreateDelegationTokenResponseData response, short version) {
        if (version < REQUESTER_VERSION) {
            response.setTokenRequesterPrincipalType("").setTokenRequesterPrincipalName("");
        }
        return response;
    }

    public static ApiHandler<CreateDelegationTokenRequest> create(Function<RequestContext, MetadataWriter> writer) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.CREATE_DELEGATION_TOKEN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, CreateDelegationTokenRequest request) {
                Optional<KafkaPrincipal> requester = requester(context, request.data());
                if (requester.isEmpty()) {
                    KafkaPrincipal owner = owner(context.principal(), request);
                    return CompletableFuture.completedFuture(forVersion(new CreateDelegationTokenResponseData()
                            .setErrorCode(refusal(context).code()).setPrincipalType(owner.getPrincipalType())
                            .setPrincipalName(owner.getName())
                            .setTokenRequesterPrincipalType(context.principal().getPrincipalType())
                            .setTokenRequesterPrincipalName(context.principal().getName()), request.version()));
                }
                return writer.apply(context).createDelegationToken(requester.get(), request.data())
                        .thenApply(response -> forVersion(response, request.version()));
            }
        };
    }

    /** The owner a CreateDelegationToken asks for: the named one, else the requester, as Kafka. */
    public static KafkaPrincipal owner(KafkaPrincipal requester, CreateDelegationTokenRequest request) {
        String name = request.data().ownerPrincipalName();
        return name == null || name.isEmpty() ? requester
                : new KafkaPrincipal(request.data().ownerPrincipalType(), name);
    }

    public static ApiHandler<RenewDelegationTokenRequest> renew(Function<RequestContext, MetadataWriter> writer) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.RENEW_DELEGATION_TOKEN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, RenewDelegationTokenRequest request) {
                Optional<KafkaPrincipal> requester = requester(context, request.data());
                if (requester.isEmpty()) {
                    return CompletableFuture.completedFuture(new RenewDelegationTokenResponseData()
                            .setErrorCode(refusal(context).code()).setExpiryTimestampMs(-1));
                }
                return writer.apply(context).renewDelegationToken(requester.get(), request.data())
                        .thenApply(response -> response);
            }
        };
    }

    public static ApiHandler<ExpireDelegationTokenRequest> expire(Function<RequestContext, MetadataWriter> writer) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.EXPIRE_DELEGATION_TOKEN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, ExpireDelegationTokenRequest request) {
                Optional<KafkaPrincipal> requester = requester(context, request.data());
                if (requester.isEmpty()) {
                    return CompletableFuture.completedFuture(new ExpireDelegationTokenResponseData()
                            .setErrorCode(refusal(context).code()).setExpiryTimestampMs(-1));
                }
                return writer.apply(context).expireDelegationToken(requester.get(), request.data())
                        .thenApply(response -> response);
            }
        };
    }

    /**
     * DescribeDelegationToken from this node's image: the tokens of the owners asked for (all with a null list, none
     * with an empty one), each with its HMAC, as Kafka. Which of them the caller may see (its own, or by ACL) is
     * the access rule's business.
     *
     * @param tokens the HMACs of {@code delegation.token.secret.key}; empty when tokens are disabled
     */
    public static ApiHandler<DescribeDelegationTokenRequest> describe(Supplier<MetadataImage> image,
                                                                      Optional<DelegationTokens> tokens) {
        return new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.DESCRIBE_DELEGATION_TOKEN;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeDelegationTokenRequest request) {
                DescribeDelegationTokenResponseData response = new DescribeDelegationTokenResponseData();
                if (!allowTokenRequests(context)) {
                    return CompletableFuture.completedFuture(response
                            .setErrorCode(Errors.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED.code()));
                }
                if (tokens.isEmpty()) {
                    return CompletableFuture.completedFuture(response
                            .setErrorCode(Errors.DELEGATION_TOKEN_AUTH_DISABLED.code()));
                }
                List<String> owners = request.data().owners() == null ? null : request.data().owners().stream()
                        .map(o -> new KafkaPrincipal(o.principalType(), o.principalName()).toString()).toList();
                for (DelegationTokenRecord token : image.get().delegationTokens().values()) {
                    if (owners == null || owners.stream().anyMatch(token::ownerOrRenewer)) {
                        DescribedDelegationToken described = described(token, tokens.get());
                        if (request.version() < REQUESTER_VERSION) {
                            described.setTokenRequesterPrincipalType("").setTokenRequesterPrincipalName("");
                        }
                        response.tokens().add(described);
                    }
                }
                return CompletableFuture.completedFuture(response);
            }
        };
    }

    private static DescribedDelegationToken described(DelegationTokenRecord token, DelegationTokens tokens) {
        KafkaPrincipal owner = SecurityUtils.parseKafkaPrincipal(token.owner());
        KafkaPrincipal requester = SecurityUtils.parseKafkaPrincipal(token.requester());
        DescribedDelegationToken described = new DescribedDelegationToken().setTokenId(token.tokenId())
                .setPrincipalType(owner.getPrincipalType()).setPrincipalName(owner.getName())
                .setTokenRequesterPrincipalType(requester.getPrincipalType())
                .setTokenRequesterPrincipalName(requester.getName())
                .setIssueTimestamp(token.issueTimestamp()).setExpiryTimestamp(token.expiryTimestamp())
                .setMaxTimestamp(token.maxTimestamp()).setHmac(tokens.hmac(token.tokenId()));
        for (String renewer : token.renewers()) {
            KafkaPrincipal principal = SecurityUtils.parseKafkaPrincipal(renewer);
            described.renewers().add(new DescribedDelegationTokenRenewer()
                    .setPrincipalType(principal.getPrincipalType()).setPrincipalName(principal.getName()));
        }
        return described;
    }
}
