package io.cairn.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/**
 * max.connection.creation.rate on a manual clock: Kafka's Rate over 11 one-second samples measures a fresh rate over
 * at least 10 s, so a bound of R lets 10 x R connections through at once and delays the next by
 * (O - R) / R x 10 s, at most a second.
 */
class ConnectionCreationRateTest {

    private final MockTime time = new MockTime(0, 1_000_000L, 0);

    @Test
    void connectionsWithinTheNodesRateAreNotDelayedAndTheNextOneIs() {
        // given
        ConnectionCreationRate rate = new ConnectionCreationRate(new ConnectionCreationRate.Limits(5, Map.of()),
                List.of("PLAINTEXT"), "PLAINTEXT");

        // when: fifty at one instant: 5 a second over the 10 s the rate is measured over
        for (int i = 0; i < 50; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
        }

        // then: the 51st makes 5.1 a second: it waits (5.1 - 5) / 5 x 10 s
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isEqualTo(200);
        // and a burst far above is delayed one quota window at most
        for (int i = 0; i < 100; i++) {
            rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds());
        }
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isEqualTo(1000);
    }

    @Test
    void aSteadyRateBelowTheBoundIsNeverDelayed() {
        ConnectionCreationRate rate = new ConnectionCreationRate(new ConnectionCreationRate.Limits(3, Map.of()),
                List.of("PLAINTEXT"), null);
        for (int second = 0; second < 60; second++) {
            for (int i = 0; i < 2; i++) {
                assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
            }
            time.sleep(1000);
        }
    }

    @Test
    void aListenersOwnRateBoundsItAloneAndTheNodesRateBoundsThemAll() {
        // given: the node 10 a second (so each listener too), EXTERNAL 1 a second
        ConnectionCreationRate rate = new ConnectionCreationRate(new ConnectionCreationRate.Limits(10,
                Map.of("EXTERNAL", 1)), List.of("INTERNAL", "EXTERNAL", "REPLICATION"), "REPLICATION");

        // when / then: EXTERNAL is delayed after 10 (1 a second over 10 s) ...
        for (int i = 0; i < 10; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("EXTERNAL", time.milliseconds())).isZero();
        }
        assertThat(rate.recordAndGetThrottleTimeMs("EXTERNAL", time.milliseconds())).isPositive();
        // ... INTERNAL is not, up to the node's 100, which EXTERNAL's 11 count against
        for (int i = 0; i < 89; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("INTERNAL", time.milliseconds())).isZero();
        }
        assertThat(rate.recordAndGetThrottleTimeMs("INTERNAL", time.milliseconds())).isPositive();
        // and the inter-broker listener of a node with others is bound only by its own rate (the node's 10)
        for (int i = 0; i < 100; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("REPLICATION", time.milliseconds())).isZero();
        }
        assertThat(rate.recordAndGetThrottleTimeMs("REPLICATION", time.milliseconds())).isPositive();
    }

    @Test
    void theInterBrokerListenerAloneIsNotExempt() {
        ConnectionCreationRate rate = new ConnectionCreationRate(new ConnectionCreationRate.Limits(1, Map.of(
                "PLAINTEXT", 100)), List.of("PLAINTEXT"), "PLAINTEXT");
        for (int i = 0; i < 10; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
        }
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isPositive();
    }

    @Test
    void aConnectionTakenBackDoesNotCount() {
        ConnectionCreationRate rate = new ConnectionCreationRate(new ConnectionCreationRate.Limits(1, Map.of()),
                List.of("PLAINTEXT"), null);
        for (int i = 0; i < 10; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
        }
        // when: the tenth is refused by its address's own quota
        rate.unrecord("PLAINTEXT", time.milliseconds());

        // then: its place is free again
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isPositive();
    }

    @Test
    void aNewBoundAppliesToTheNextConnection() {
        ConnectionCreationRate rate = new ConnectionCreationRate(ConnectionCreationRate.Limits.NONE,
                List.of("PLAINTEXT"), null);
        for (int i = 0; i < 1000; i++) {
            assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
        }
        rate.update(new ConnectionCreationRate.Limits(50, Map.of()));
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isPositive();
        rate.update(ConnectionCreationRate.Limits.NONE);
        assertThat(rate.recordAndGetThrottleTimeMs("PLAINTEXT", time.milliseconds())).isZero();
    }
}
