package io.cairn.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/**
 * controller_mutation_rate's token bucket (KIP-599) on a mock clock: a quota of 2 partitions/s holds at most
 * 2 x 11 windows of 1 s = 22 partitions, refills at 2 per second, and a bucket at -N throttles for N / 2 s.
 */
class ControllerMutationQuotaManagerTest {

    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob");

    private final MockTime time = new MockTime();

    private static Map<String, String> entity(String user, String clientId) {
        Map<String, String> entity = new HashMap<>();
        if (user != null) {
            entity.put(ClientQuotaEntity.USER, user.equals("<default>") ? null : user);
        }
        if (clientId != null) {
            entity.put(ClientQuotaEntity.CLIENT_ID, clientId.equals("<default>") ? null : clientId);
        }
        return entity;
    }

    private static ControllerMutationQuotaManager manager(MetadataRecord... records) {
        MetadataImage image = MetadataImage.EMPTY.apply(1, List.of(records));
        return new ControllerMutationQuotaManager(() -> image);
    }

    private static MetadataRecord rate(String user, String clientId, double value) {
        return ClientQuotaRecord.set(entity(user, clientId), "controller_mutation_rate", value);
    }

    @Test
    void withoutAQuotaEveryMutationGoesThrough() {
        ControllerMutationQuotaManager manager = manager(rate("bob", null, 1));

        ControllerMutationQuotaManager.Mutations mutations = manager.mutations(ALICE, "c", true);

        assertThat(mutations.bounded()).isFalse();
        assertThat(mutations.tryRecord(1_000_000, time.milliseconds())).isTrue();
        assertThat(mutations.throttleTimeMs(time.milliseconds())).isZero();
    }

    @Test
    void aStrictQuotaLetsMutationsThroughUntilTheBucketIsBelowZero() {
        // given
        ControllerMutationQuotaManager manager = manager(rate("alice", null, 2));
        long now = time.milliseconds();

        // when / then: under the quota
        assertThat(manager.mutations(ALICE, "c", true).tryRecord(20, now)).isTrue();
        // at it: 22 taken of 22, the bucket is at zero, not below: the next one goes through, and overdraws it
        assertThat(manager.mutations(ALICE, "c", true).tryRecord(2, now)).isTrue();
        assertThat(manager.tokens(ALICE, "c", now)).isZero();
        ControllerMutationQuotaManager.Mutations overdrawing = manager.mutations(ALICE, "c", true);
        assertThat(overdrawing.tryRecord(10, now)).isTrue();
        assertThat(overdrawing.throttleTimeMs(now)).isZero();
        // over it: refused, told the time to come back to zero, 10 / 2 s
        ControllerMutationQuotaManager.Mutations refused = manager.mutations(ALICE, "c", true);
        assertThat(refused.tryRecord(1, now)).isFalse();
        assertThat(refused.throttleTimeMs(now)).isEqualTo(5_000);
        assertThat(manager.tokens(ALICE, "c", now)).isEqualTo(-10);
        // the throttle time told later is what is left of it
        time.sleep(1_000);
        assertThat(refused.throttleTimeMs(time.milliseconds())).isEqualTo(4_000);
    }

    @Test
    void theBucketRefillsAtTheQuotaUpToItsBurst() {
        // given: a bucket 10 below zero
        ControllerMutationQuotaManager manager = manager(rate("alice", null, 2));
        assertThat(manager.mutations(ALICE, "c", true).tryRecord(32, time.milliseconds())).isTrue();

        // when: 4 s refill 8 partitions, still below zero; 5 s refill 10
        time.sleep(4_000);
        boolean at4s = manager.mutations(ALICE, "c", true).tryRecord(1, time.milliseconds());
        time.sleep(1_000);
        boolean at5s = manager.mutations(ALICE, "c", true).tryRecord(1, time.milliseconds());

        // then
        assertThat(at4s).isFalse();
        assertThat(at5s).isTrue();
        // and a long idle time refills no more than the burst
        time.sleep(1_000_000);
        assertThat(manager.tokens(ALICE, "c", time.milliseconds())).isEqualTo(22);
    }

    @Test
    void aPermissiveQuotaLetsEverythingThroughAndThrottlesOnceBelowZero() {
        ControllerMutationQuotaManager manager = manager(rate("alice", null, 2));
        long now = time.milliseconds();

        ControllerMutationQuotaManager.Mutations first = manager.mutations(ALICE, "c", false);
        assertThat(first.tryRecord(22, now)).isTrue();
        assertThat(first.throttleTimeMs(now)).isZero();
        ControllerMutationQuotaManager.Mutations second = manager.mutations(ALICE, "c", false);
        assertThat(second.tryRecord(4, now)).isTrue();
        assertThat(second.throttleTimeMs(now)).isEqualTo(2_000);
        assertThat(manager.mutations(ALICE, "c", false).tryRecord(4, now)).isTrue();
    }

    @Test
    void partitionsGivenBackReturnToTheBucket() {
        ControllerMutationQuotaManager manager = manager(rate("alice", null, 2));
        long now = time.milliseconds();
        ControllerMutationQuotaManager.Mutations mutations = manager.mutations(ALICE, "c", true);
        mutations.tryRecord(30, now);

        mutations.unrecord(30, now);

        assertThat(manager.tokens(ALICE, "c", now)).isEqualTo(22);
        assertThat(manager.mutations(ALICE, "c", true).tryRecord(1, now)).isTrue();
    }

    @Test
    void aUsersOwnQuotaComesBeforeTheDefaultAndTheDefaultIsPerUser() {
        // given: alice may mutate 1 partition/s, other users 100 each
        ControllerMutationQuotaManager manager = manager(rate("alice", null, 1), rate("<default>", null, 100));
        long now = time.milliseconds();

        // when: alice overdraws her 11; bob takes 500 of his 1100
        manager.mutations(ALICE, "c", true).tryRecord(12, now);
        manager.mutations(BOB, "c", true).tryRecord(500, now);

        // then: alice is refused, bob is not, and another user has a bucket of his own
        assertThat(manager.mutations(ALICE, "c", true).tryRecord(1, now)).isFalse();
        assertThat(manager.mutations(BOB, "c", true).tryRecord(1, now)).isTrue();
        assertThat(manager.tokens(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "carol"), "c", now)).isEqualTo(1100);
    }

    @Test
    void aClientIdQuotaIsSharedByEveryUserOfThatClientId() {
        ControllerMutationQuotaManager manager = manager(rate(null, "tool", 1));
        long now = time.milliseconds();

        manager.mutations(ALICE, "tool", true).tryRecord(12, now);

        assertThat(manager.mutations(BOB, "tool", true).tryRecord(1, now)).isFalse();
        assertThat(manager.mutations(BOB, "other", true).bounded()).isFalse();
    }
}
