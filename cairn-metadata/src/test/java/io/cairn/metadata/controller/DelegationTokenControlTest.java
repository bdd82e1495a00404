package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.DelegationTokenRecord;
import io.cairn.metadata.record.FeatureLevelRecord;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RemoveDelegationTokenRecord;
import org.apache.kafka.common.message.CreateDelegationTokenRequestData;
import org.apache.kafka.common.message.CreateDelegationTokenRequestData.CreatableRenewers;
import org.apache.kafka.common.message.CreateDelegationTokenResponseData;
import org.apache.kafka.common.message.ExpireDelegationTokenRequestData;
import org.apache.kafka.common.message.ExpireDelegationTokenResponseData;
import org.apache.kafka.common.message.RenewDelegationTokenRequestData;
import org.apache.kafka.common.message.RenewDelegationTokenResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/** The delegation token decisions (docs/adr/0034) against Kafka's rules, on a mock clock. */
class DelegationTokenControlTest {

    private static final String SECRET = "the-secret";
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
    private static final long HOUR = 3600_000L;

    private final MockTime time = new MockTime(0, 1_700_000_000_000L, 0);
    private final Random random = new Random(7);
    private final ControllerSettings settings = ControllerSettings.defaults(1)
            .withBrokerConfig("delegation.token.secret.key", SECRET)
            .withBrokerConfig("delegation.token.max.lifetime.ms", Long.toString(10 * HOUR))
            .withBrokerConfig("delegation.token.expiry.time.ms", Long.toString(2 * HOUR));
    private MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1),
            List.of(new FeatureLevelRecord(MetadataFormat.DELEGATION_TOKENS)));

    @Test
    void aTokenLivesTheExpiryTimeUpToItsMaxLifetimeAndItsHmacIsKafkasFormula() throws Exception {
        // when alice asks for a token that bob may renew, with a max lifetime of 1 hour
        CreateDelegationTokenResponseData created = create(ALICE, new CreateDelegationTokenRequestData()
                .setMaxLifetimeMs(HOUR).setRenewers(List.of(renewer("User", "bob"))));

        // then it is hers, lives an hour (the max, shorter than the expiry time), and its HMAC is Kafka's
        long now = time.milliseconds();
        assertThat(created.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(created.principalName()).isEqualTo("alice");
        assertThat(created.tokenRequesterPrincipalName()).isEqualTo("alice");
        assertThat(created.issueTimestampMs()).isEqualTo(now);
        assertThat(created.maxTimestampMs()).isEqualTo(now + HOUR);
        assertThat(created.expiryTimestampMs()).isEqualTo(now + HOUR);
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
        assertThat(created.hmac()).isEqualTo(mac.doFinal(created.tokenId().getBytes(StandardCharsets.UTF_8)));
        DelegationTokenRecord stored = image.delegationTokens().get(created.tokenId());
        assertThat(stored).isEqualTo(new DelegationTokenRecord(created.tokenId(), "User:alice", "User:alice",
                List.of("User:bob"), now, now + HOUR, now + HOUR));

        // and without a max lifetime asked for, the configured ones apply
        CreateDelegationTokenResponseData plain = create(ALICE, new CreateDelegationTokenRequestData());
        assertThat(plain.maxTimestampMs()).isEqualTo(now + 10 * HOUR);
        assertThat(plain.expiryTimestampMs()).isEqualTo(now + 2 * HOUR);
    }

    @Test
    void refusalsInKafkasOrder() {
        // without a secret key: DELEGATION_TOKEN_AUTH_DISABLED, for every request
        ControllerSettings disabled = ControllerSettings.defaults(1);
        assertThat(DelegationTokenControl.create(image, disabled, ALICE, new CreateDelegationTokenRequestData(),
                time.milliseconds(), random).response().errorCode()).isEqualTo(Errors.DELEGATION_TOKEN_AUTH_DISABLED.code());
        assertThat(DelegationTokenControl.renew(image, disabled, ALICE, new RenewDelegationTokenRequestData()
                .setHmac(new byte[64]), time.milliseconds()).response().errorCode())
                .isEqualTo(Errors.DELEGATION_TOKEN_AUTH_DISABLED.code());
        // below cairn.metadata.version 4 (a node of an older release could not read the record): UNSUPPORTED_VERSION
        MetadataImage level3 = Fixtures.applyAll(Fixtures.withBrokers(1),
                List.of(new FeatureLevelRecord(MetadataFormat.DECISION_REASONS)));
        ControllerResult<CreateDelegationTokenResponseData> old = DelegationTokenControl.create(level3, settings,
                ALICE, new CreateDelegationTokenRequestData(), time.milliseconds(), random);
        assertThat(old.response().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(old.records()).isEmpty();
        // a renewer that is not a user: INVALID_PRINCIPAL_TYPE
        assertThat(create(ALICE, new CreateDelegationTokenRequestData().setRenewers(List.of(
                renewer("Group", "ops")))).errorCode()).isEqualTo(Errors.INVALID_PRINCIPAL_TYPE.code());
        // an HMAC of no token: DELEGATION_TOKEN_NOT_FOUND
        assertThat(renew(ALICE, new byte[64], 0).errorCode()).isEqualTo(Errors.DELEGATION_TOKEN_NOT_FOUND.code());
        assertThat(expire(ALICE, new byte[64], 0).errorCode()).isEqualTo(Errors.DELEGATION_TOKEN_NOT_FOUND.code());
    }

    @Test
    void onlyTheOwnerAndRenewersRenewAndExpireUntilTheMaxTime() {
        // given alice's token that bob may renew, for at most 3 hours; carol asked for it
        CreateDelegationTokenResponseData token = create(new KafkaPrincipal("User", "carol"),
                new CreateDelegationTokenRequestData().setOwnerPrincipalType("User").setOwnerPrincipalName("alice")
                        .setMaxLifetimeMs(3 * HOUR).setRenewers(List.of(renewer("User", "bob"))));
        assertThat(token.tokenRequesterPrincipalName()).isEqualTo("carol");

        // when carol (the requester, neither owner nor renewer) renews it: DELEGATION_TOKEN_OWNER_MISMATCH
        assertThat(renew(new KafkaPrincipal("User", "carol"), token.hmac(), HOUR).errorCode())
                .isEqualTo(Errors.DELEGATION_TOKEN_OWNER_MISMATCH.code());
        // when bob renews it for an hour, an hour on: its expiry is an hour away
        time.sleep(HOUR);
        RenewDelegationTokenResponseData renewed = renew(BOB, token.hmac(), HOUR);
        assertThat(renewed.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(renewed.expiryTimestampMs()).isEqualTo(time.milliseconds() + HOUR);
        // when renewed again half an hour on for the default (2 h): capped at its max time
        time.sleep(HOUR / 2);
        assertThat(renew(ALICE, token.hmac(), -1).expiryTimestampMs()).isEqualTo(token.maxTimestampMs());
        // when alice sets it to expire in a minute, then a minute and a bit later it is expired
        ExpireDelegationTokenResponseData soon = expire(ALICE, token.hmac(), 60_000);
        assertThat(soon.expiryTimestampMs()).isEqualTo(time.milliseconds() + 60_000);
        time.sleep(60_001);
        assertThat(renew(ALICE, token.hmac(), HOUR).errorCode()).isEqualTo(Errors.DELEGATION_TOKEN_EXPIRED.code());
        assertThat(expire(ALICE, token.hmac(), 1000).errorCode()).isEqualTo(Errors.DELEGATION_TOKEN_EXPIRED.code());
        // and the expiry check removes it
        List<MetadataRecord> removals = DelegationTokenControl.removeExpired(image, time.milliseconds());
        assertThat(removals).containsExactly(new RemoveDelegationTokenRecord(token.tokenId()));
        image = Fixtures.applyAll(image, removals);
        assertThat(image.delegationTokens()).isEmpty();
    }

    @Test
    void expiringAtOnceRemovesTheToken() {
        CreateDelegationTokenResponseData token = create(ALICE, new CreateDelegationTokenRequestData());
        // when bob tries: refused; when alice expires it with a negative period: removed
        assertThat(expire(BOB, token.hmac(), -1).errorCode()).isEqualTo(Errors.DELEGATION_TOKEN_OWNER_MISMATCH.code());
        ExpireDelegationTokenResponseData expired = expire(ALICE, token.hmac(), -1);
        assertThat(expired.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(image.delegationTokens()).isEmpty();
        assertThat(DelegationTokenControl.removeExpired(image, time.milliseconds())).isEmpty();
    }

    private CreateDelegationTokenResponseData create(KafkaPrincipal requester,
                                                     CreateDelegationTokenRequestData request) {
        ControllerResult<CreateDelegationTokenResponseData> result = DelegationTokenControl.create(image, settings,
                requester, request, time.milliseconds(), random);
        image = Fixtures.applyAll(image, result.records());
        return result.response();
    }

    private RenewDelegationTokenResponseData renew(KafkaPrincipal requester, byte[] hmac, long periodMs) {
        ControllerResult<RenewDelegationTokenResponseData> result = DelegationTokenControl.renew(image, settings,
                requester, new RenewDelegationTokenRequestData().setHmac(hmac).setRenewPeriodMs(periodMs),
                time.milliseconds());
        image = Fixtures.applyAll(image, result.records());
        return result.response();
    }

    private ExpireDelegationTokenResponseData expire(KafkaPrincipal requester, byte[] hmac, long periodMs) {
        ControllerResult<ExpireDelegationTokenResponseData> result = DelegationTokenControl.expire(image, settings,
                requester, new ExpireDelegationTokenRequestData().setHmac(hmac).setExpiryTimePeriodMs(periodMs),
                time.milliseconds());
        image = Fixtures.applyAll(image, result.records());
        return result.response();
    }

    private static CreatableRenewers renewer(String type, String name) {
        return new CreatableRenewers().setPrincipalType(type).setPrincipalName(name);
    }
}
