package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import io.cairn.metadata.DelegationTokens;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.DelegationTokenRecord;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RemoveDelegationTokenRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateDelegationTokenRequestData;
import org.apache.kafka.common.message.CreateDelegationTokenRequestData.CreatableRenewers;
import org.apache.kafka.common.message.CreateDelegationTokenResponseData;
import org.apache.kafka.common.message.ExpireDelegationTokenRequestData;
import org.apache.kafka.common.message.ExpireDelegationTokenResponseData;
import org.apache.kafka.common.message.RenewDelegationTokenRequestData;
import org.apache.kafka.common.message.RenewDelegationTokenResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Decides CreateDelegationToken, RenewDelegationToken and ExpireDelegationToken as Kafka's controller
 * ({@code DelegationTokenControlManager}) does, with its errors in its order: DELEGATION_TOKEN_AUTH_DISABLED without
 * {@code delegation.token.secret.key}; UNSUPPORTED_VERSION below {@value MetadataFormat#FEATURE_NAME} level
 * {@value MetadataFormat#DELEGATION_TOKENS} (a node of an older release could not read the record); then by HMAC
 * DELEGATION_TOKEN_NOT_FOUND, DELEGATION_TOKEN_EXPIRED, DELEGATION_TOKEN_OWNER_MISMATCH (only the owner and the
 * renewers may renew or expire a token). Also the expiry check that removes expired tokens.
 *
 * <p>The requester is the principal of the client connection the request came in on, which the receiving node
 * passes along; checks that need the authorizer or the connection (CREATE_TOKENS, token-authenticated
 * connections) are done there, before the request gets here.
 *
 * <p>Stateless; pure functions of the image, the settings, the request and the time.
 */
final class DelegationTokenControl {

    /** At most this many tokens are removed by one expiry check, as Kafka. */
    static final int MAX_REMOVALS_PER_CHECK = 1000;

    private DelegationTokenControl() {
    }

    static ControllerResult<CreateDelegationTokenResponseData> create(MetadataImage image, ControllerSettings settings,
                                                                      KafkaPrincipal requester,
                                                                      CreateDelegationTokenRequestData request,
                                                                      long now, Random random) {
        KafkaPrincipal owner = request.ownerPrincipalName() == null || request.ownerPrincipalName().isEmpty()
                ? requester : new KafkaPrincipal(request.ownerPrincipalType(), request.ownerPrincipalName());
        CreateDelegationTokenResponseData response = new CreateDelegationTokenResponseData()
                .setPrincipalType(owner.getPrincipalType()).setPrincipalName(owner.getName())
                .setTokenRequesterPrincipalType(requester.getPrincipalType())
                .setTokenRequesterPrincipalName(requester.getName());
        Errors refused = refusal(image, settings);
        if (refused != Errors.NONE) {
            return ControllerResult.of(List.of(), response.setErrorCode(refused.code()));
        }
        List<String> renewers = new ArrayList<>();
        for (CreatableRenewers renewer : request.renewers()) {
            if (!KafkaPrincipal.USER_TYPE.equals(renewer.principalType())) {
                return ControllerResult.of(List.of(), response.setErrorCode(Errors.INVALID_PRINCIPAL_TYPE.code()));
            }
            renewers.add(new KafkaPrincipal(renewer.principalType(), renewer.principalName()).toString());
        }
        long maxLifetime = settings.delegationTokenMaxLifetimeMs();
        if (request.maxLifetimeMs() > 0) {
            maxLifetime = Math.min(maxLifetime, request.maxLifetimeMs());
        }
        long maxTimestamp = sum(now, maxLifetime);
        long expiryTimestamp = Math.min(maxTimestamp, sum(now, settings.delegationTokenExpiryTimeMs()));
        String tokenId = newTokenId(image, random);
        DelegationTokenRecord token = new DelegationTokenRecord(tokenId, owner.toString(), requester.toString(),
                renewers, now, maxTimestamp, expiryTimestamp);
        response.setIssueTimestampMs(now).setExpiryTimestampMs(expiryTimestamp).setMaxTimestampMs(maxTimestamp)
                .setTokenId(tokenId).setHmac(new DelegationTokens(settings.delegationTokenSecretKey()).hmac(tokenId));
        return ControllerResult.of(List.of(token), response);
    }

    static ControllerResult<RenewDelegationTokenResponseData> renew(MetadataImage image, ControllerSettings settings,
                                                                    KafkaPrincipal requester,
                                                                    RenewDelegationTokenRequestData request,
                                                                    long now) {
        RenewDelegationTokenResponseData response = new RenewDelegationTokenResponseData();
        Lookup found = lookup(image, settings, request.hmac(), requester, true, now);
        if (found.refused() != Errors.NONE) {
            return ControllerResult.of(List.of(), response.setErrorCode(found.refused().code())
                    .setExpiryTimestampMs(-1));
        }
        DelegationTokenRecord token = found.token();
        long renewLifetime = settings.delegationTokenExpiryTimeMs();
        if (request.renewPeriodMs() > 0) {
            renewLifetime = Math.min(renewLifetime, request.renewPeriodMs());
        }
        long expiry = Math.min(token.maxTimestamp(), sum(now, renewLifetime));
        return ControllerResult.of(List.of(token.withExpiry(expiry)), response.setExpiryTimestampMs(expiry));
    }

    static ControllerResult<ExpireDelegationTokenResponseData> expire(MetadataImage image, ControllerSettings settings,
                                                                      KafkaPrincipal requester,
                                                                      ExpireDelegationTokenRequestData request,
                                                                      long now) {
        ExpireDelegationTokenResponseData response = new ExpireDelegationTokenResponseData();
        Lookup found = lookup(image, settings, request.hmac(), requester, false, now);
        if (found.refused() != Errors.NONE) {
            return ControllerResult.of(List.of(), response.setErrorCode(found.refused().code())
                    .setExpiryTimestampMs(-1));
        }
        DelegationTokenRecord token = found.token();
        if (request.expiryTimePeriodMs() < 0) { // at once
            return ControllerResult.of(List.of(new RemoveDelegationTokenRecord(token.tokenId())),
                    response.setExpiryTimestampMs(request.expiryTimePeriodMs()));
        }
        if (expired(token, now)) {
            return ControllerResult.of(List.of(), response.setErrorCode(Errors.DELEGATION_TOKEN_EXPIRED.code())
                    .setExpiryTimestampMs(-1));
        }
        long expiry = Math.min(token.maxTimestamp(), sum(now, request.expiryTimePeriodMs()));
        return ControllerResult.of(List.of(token.withExpiry(expiry)), response.setExpiryTimestampMs(expiry));
    }

    /** The removal of every token past its expiry or maximum time at {@code now}, at most a thousand at once. */
    static List<MetadataRecord> removeExpired(MetadataImage image, long now) {
        List<MetadataRecord> removals = new ArrayList<>();
        for (DelegationTokenRecord token : image.delegationTokens().values()) {
            if (expired(token, now) && removals.size() < MAX_REMOVALS_PER_CHECK) {
                removals.add(new RemoveDelegationTokenRecord(token.tokenId()));
            }
        }
        return removals;
    }

    /** Kafka's test: a token is expired once its expiry or maximum time is in the past. */
    static boolean expired(DelegationTokenRecord token, long now) {
        return token.maxTimestamp() < now || token.expiryTimestamp() < now;
    }

    private static Errors refusal(MetadataImage image, ControllerSettings settings) {
        if (settings.delegationTokenSecretKey() == null) {
            return Errors.DELEGATION_TOKEN_AUTH_DISABLED;
        }
        if (image.metadataFormatFeatureLevel() < MetadataFormat.DELEGATION_TOKENS) {
            return Errors.UNSUPPORTED_VERSION;
        }
        return Errors.NONE;
    }

    /** The token a renew or expire names, or Kafka's refusal of the request ({@code token} null then). */
    private record Lookup(Errors refused, DelegationTokenRecord token) {
    }

    /**
     * The token {@code hmac} names if {@code requester} may renew or expire it, refused as Kafka refuses, in its
     * order: tokens disabled or not supported yet, no such token, expired (when {@code refuseExpired}: a renew; an
     * expire checks that after its at-once case), not the owner or a renewer.
     */
    private static Lookup lookup(MetadataImage image, ControllerSettings settings, byte[] hmac,
                                 KafkaPrincipal requester, boolean refuseExpired, long now) {
        Errors refused = refusal(image, settings);
        if (refused != Errors.NONE) {
            return new Lookup(refused, null);
        }
        Optional<DelegationTokenRecord> found = new DelegationTokens(settings.delegationTokenSecretKey())
                .byHmac(image, hmac);
        if (found.isEmpty()) {
            return new Lookup(Errors.DELEGATION_TOKEN_NOT_FOUND, null);
        }
        if (refuseExpired && expired(found.get(), now)) {
            return new Lookup(Errors.DELEGATION_TOKEN_EXPIRED, null);
        }
        if (!allowedToRenew(found.get(), requester)) {
            return new Lookup(Errors.DELEGATION_TOKEN_OWNER_MISMATCH, null);
        }
        return new Lookup(Errors.NONE, found.get());
    }

    /** Kafka's rule: the owner or one of the renewers (not the requester, unless it is one of them). */
    private static boolean allowedToRenew(DelegationTokenRecord token, KafkaPrincipal principal) {
        String name = principal.toString();
        return token.owner().equals(name) || token.renewers().contains(name);
    }

    private static String newTokenId(MetadataImage image, Random random) {
        String id;
        do {
            id = new Uuid(random.nextLong(), random.nextLong()).toString();
        } while (image.delegationTokens().containsKey(id));
        return id;
    }

    /** {@code a + b}, at most Long.MAX_VALUE. */
    private static long sum(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
