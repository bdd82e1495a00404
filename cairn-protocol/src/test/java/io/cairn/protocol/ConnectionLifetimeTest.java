package io.cairn.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ConnectionLifetimeTest {

    @Test
    void anActionRunsOnceWhenTheConnectionClosesUnlessForgottenFirst() {
        // given
        ConnectionLifetime connection = new ConnectionLifetime();
        AtomicInteger parked = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        connection.onClose(parked::incrementAndGet);
        Runnable forget = connection.onClose(answered::incrementAndGet);
        forget.run(); // its work ended before the connection: nothing is kept for it

        // when
        connection.close();
        connection.close();

        // then
        assertThat(parked).hasValue(1);
        assertThat(answered).hasValue(0);
        assertThat(connection.registered()).isZero();
    }

    @Test
    void aThrottleReachesTheNetworkLayerAndAWorkWithoutConnectionIsNeverThrottled() {
        // given
        ConnectionLifetime connection = new ConnectionLifetime();
        java.util.List<Long> throttles = new java.util.ArrayList<>();
        connection.onThrottle(throttles::add);
        ConnectionLifetime.neverCloses().onThrottle(throttles::add);

        // when
        connection.throttle(250);
        connection.throttle(0);
        ConnectionLifetime.neverCloses().throttle(100);

        // then
        assertThat(throttles).containsExactly(250L);
    }

    @Test
    void anActionRegisteredAfterTheCloseRunsAtOnce() {
        ConnectionLifetime connection = new ConnectionLifetime();
        connection.close();
        AtomicInteger ran = new AtomicInteger();

        connection.onClose(ran::incrementAndGet);

        assertThat(ran).hasValue(1);
        assertThat(connection.registered()).isZero();
    }

    @Test
    void aConnectionThatNeverClosesKeepsNothing() {
        ConnectionLifetime never = ConnectionLifetime.neverCloses();

        never.onClose(() -> { });

        assertThat(never.registered()).isZero();
        assertThat(never.isClosed()).isFalse();
    }
}
