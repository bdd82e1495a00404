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
import org.junit.jupiter.api.Test;

class ClientQuotaManagerTest {

    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob");

    private final ManualClock time = new ManualClock();

    /** The test's clock: the manager measures at the times it is given. */
    private static final class ManualClock {
        private long nowMs = 1_000_000;

        long milliseconds() {
            return nowMs;
        }

        void sleep(long ms) {
            nowMs += ms;
        }
    }

    private static MetadataImage image(MetadataRecord... records) {
        return MetadataImage.EMPTY.apply(1, List.of(records));
    }

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

    @Test
    void aRateWithinTheQuotaIsNotThrottled() {
        // given: 1000 B/s; the first windows count as ten seconds (Kafka's minimum of samples - 1 windows)
        ClientQuotaManager manager = new ClientQuotaManager("producer_byte_rate",
                () -> image(ClientQuotaRecord.set(entity("alice", null), "producer_byte_rate", 1000)));

        // when / then: 10 000 bytes at once is 1000 B/s over ten seconds
        assertThat(manager.recordAndGetThrottleTimeMs(ALICE, "c", 10_000, time.milliseconds())).isZero();
    }

    @Test
    void aRateAboveTheQuotaIsThrottledForWhatBringsItBack() {
        // given
        ClientQuotaManager manager = new ClientQuotaManager("producer_byte_rate",
                () -> image(ClientQuotaRecord.set(entity("alice", null), "producer_byte_rate", 1000)));
        manager.recordAndGetThrottleTimeMs(ALICE, "c", 10_000, time.milliseconds());
        time.sleep(500);

        // when: 15 000 bytes over a window of 10.5 s: 1428.6 B/s
        long throttle = manager.recordAndGetThrottleTimeMs(ALICE, "c", 5_000, time.milliseconds());

        // then: (O - T) / T * W = (1428.57 - 1000) / 1000 * 10 500 ms
        assertThat(throttle).isEqualTo(4500);
    }

    @Test
    void pastTheFirstWindowsTheRateIsOverTheTimeElapsed() {
        // given
        ClientQuotaManager manager = new ClientQuotaManager("producer_byte_rate",
                () -> image(ClientQuotaRecord.set(entity("alice", null), "producer_byte_rate", 1000)));
        manager.recordAndGetThrottleTimeMs(ALICE, "c", 10_000, time.milliseconds());
        time.sleep(10_000);

        // when: 16 000 bytes over 10 s
        long throttle = manager.recordAndGetThrottleTimeMs(ALICE, "c", 6_000, time.milliseconds());

        // then: (1600 - 1000) / 1000 * 10 000 ms
        assertThat(throttle).isEqualTo(6000);
        assertThat(manager.measuredRate(ALICE, "c", time.milliseconds())).isEqualTo(1600.0);
    }

    @Test
    void aUserQuotaIsSharedByItsClientIdsAndNotByOtherUsers() {
        // given
        ClientQuotaManager manager = new ClientQuotaManager("producer_byte_rate",
                () -> image(ClientQuotaRecord.set(entity("<default>", null), "producer_byte_rate", 1000)));

        // when
        manager.recordAndGetThrottleTimeMs(ALICE, "one", 10_000, time.milliseconds());

        // then: alice's other client shares her rate; bob has his own
        assertThat(manager.recordAndGetThrottleTimeMs(ALICE, "two", 1_000, time.milliseconds())).isPositive();
        assertThat(manager.recordAndGetThrottleTimeMs(BOB, "one", 1_000, time.milliseconds())).isZero();
    }

    @Test
    void unrecordedBytesDoNotCount() {
        // given
        ClientQuotaManager manager = new ClientQuotaManager("consumer_byte_rate",
                () -> image(ClientQuotaRecord.set(entity(null, "c"), "consumer_byte_rate", 1000)));
        long now = time.milliseconds();
        assertThat(manager.recordAndGetThrottleTimeMs(ALICE, "c", 20_000, now)).isPositive();

        // when
        manager.unrecord(ALICE, "c", 20_000, now);

        // then
        assertThat(manager.recordAndGetThrottleTimeMs(ALICE, "c", 10_000, now)).isZero();
    }

    @Test
    void noQuotaNoThrottleAndAFetchIsBoundedByTheQuotaWindow() {
        // given
        ClientQuotaManager manager = new ClientQuotaManager("consumer_byte_rate",
                () -> image(ClientQuotaRecord.set(entity(null, "c"), "consumer_byte_rate", 1000),
                        ClientQuotaRecord.set(entity(null, "p"), "producer_byte_rate", 1)));

        // then
        assertThat(manager.recordAndGetThrottleTimeMs(ALICE, "p", 1e9, time.milliseconds())).isZero();
        assertThat(manager.maxValueInQuotaWindow(ALICE, "p")).isEqualTo(Long.MAX_VALUE);
        assertThat(manager.maxValueInQuotaWindow(ALICE, "c")).isEqualTo(10_000);
    }
}
