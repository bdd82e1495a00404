package io.cairn.broker.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;

/** Metadata requests wait for the cluster's first unfenced broker, and only while there is none. */
class ServingBrokerWaitTest {

    private static final MetadataImage NO_BROKER = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1,
            List.of(new ClusterIdRecord("c", (short) 1))));
    private static final MetadataImage FENCED = NO_BROKER.apply(new MetadataBatch(2, 1, 1,
            List.of(new RegisterBrokerRecord(1, "h", 9092, null, 1, true))));
    private static final MetadataImage SERVING = FENCED.apply(new MetadataBatch(3, 1, 1,
            List.of(new BrokerFencingChange(1, 1, false))));

    private final AtomicReference<MetadataImage> image = new AtomicReference<>(NO_BROKER);
    private final MockTime time = new MockTime();
    private final ServingBrokerWait wait = new ServingBrokerWait(image::get, 60_000, time.scheduler);

    @Test
    void aRequestWaitsUntilABrokerIsUnfenced() throws Exception {
        CompletableFuture<Void> waiter = wait.await();
        assertThat(waiter).isNotDone();

        image.set(FENCED);
        wait.onImage(NO_BROKER, FENCED);
        assertThat(waiter).isNotDone();

        image.set(SERVING);
        wait.onImage(FENCED, SERVING);
        waiter.get(5, TimeUnit.SECONDS);
    }

    @Test
    void nothingWaitsOnceABrokerServes() {
        image.set(SERVING);
        assertThat(wait.await()).isDone();
    }

    @Test
    void theWaitIsBoundedOnTheSchedulersClock() {
        CompletableFuture<Void> waiter = new ServingBrokerWait(image::get, 50, time.scheduler).await();

        time.sleep(49);
        assertThat(waiter).isNotDone();
        time.sleep(1);
        assertThat(waiter).isCompleted();
    }
}
