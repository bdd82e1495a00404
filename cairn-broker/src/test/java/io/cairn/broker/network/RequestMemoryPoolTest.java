package io.cairn.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class RequestMemoryPoolTest {

    @Test
    void aReservationSucceedsWhileAnyMemoryIsLeftAsKafkasNonStrictPool() {
        // given
        RequestMemoryPool pool = new RequestMemoryPool(100);

        // when / then
        assertThat(pool.tryReserve(60)).isTrue();
        assertThat(pool.tryReserve(60)).as("40 left: taken, the pool overdrawn by 20").isTrue();
        assertThat(pool.availableBytes()).isEqualTo(-20);
        assertThat(pool.usedBytes()).isEqualTo(120);
        assertThat(pool.tryReserve(1)).isFalse();
        assertThat(pool.refusals()).isEqualTo(1);
    }

    @Test
    void aConnectionWaitingForMemoryIsWokenOnceWhenSomeComesBack() {
        // given
        RequestMemoryPool pool = new RequestMemoryPool(100);
        pool.tryReserve(100);
        AtomicInteger woken = new AtomicInteger();
        pool.whenAvailable(woken::incrementAndGet);
        assertThat(woken).hasValue(0);

        // when
        pool.release(100);
        pool.tryReserve(10);
        pool.release(10);

        // then
        assertThat(woken).hasValue(1);
        assertThat(pool.usedBytes()).isZero();
    }

    @Test
    void aWaiterRegisteredAfterTheReleaseItMissedIsWokenAtOnce() {
        RequestMemoryPool pool = new RequestMemoryPool(100);
        AtomicInteger woken = new AtomicInteger();

        pool.whenAvailable(woken::incrementAndGet);

        assertThat(woken).hasValue(1);
    }

    @Test
    void unboundedItCountsAndRefusesNothing() {
        RequestMemoryPool pool = RequestMemoryPool.unbounded();

        assertThat(pool.tryReserve(Integer.MAX_VALUE)).isTrue();
        assertThat(pool.tryReserve(Integer.MAX_VALUE)).isTrue();

        assertThat(pool.usedBytes()).isEqualTo(2L * Integer.MAX_VALUE);
        assertThat(pool.bounded()).isFalse();
    }
}
