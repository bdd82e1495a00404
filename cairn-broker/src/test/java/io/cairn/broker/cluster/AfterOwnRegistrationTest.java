package io.cairn.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.junit.jupiter.api.Test;

class AfterOwnRegistrationTest {

    private static final MetadataImage REPLAYED = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1,
            List.of(new ClusterIdRecord("c", (short) 1))));
    private static final MetadataImage REGISTERED = REPLAYED.apply(new MetadataBatch(2, 1, 1,
            List.of(new RegisterBrokerRecord(1, "h", 9092, null, 2, true))));
    private static final MetadataImage NEXT = REGISTERED.apply(new MetadataBatch(3, 1, 1,
            List.of(new RegisterBrokerRecord(2, "h", 9093, null, 3, true))));

    @Test
    void nothingBeforeTheRegistrationThenTheFirstImageAsAChangeFromNothingThenEachAsItComes() {
        // given a listener behind the gate of a registration not answered yet
        List<MetadataImage[]> seen = new ArrayList<>();
        CompletableFuture<Long> registered = new CompletableFuture<>();
        AfterOwnRegistration gate = new AfterOwnRegistration((previous, next) -> seen.add(
                new MetadataImage[] {previous, next}), registered);

        // when the replayed history and the registration's own image come before the answer
        gate.onImage(MetadataImage.EMPTY, REPLAYED);
        gate.onImage(REPLAYED, REGISTERED);

        // then nothing is handed on
        assertThat(seen).isEmpty();

        // when the registration is answered and the next images come
        registered.complete(2L);
        gate.onImage(REGISTERED, NEXT);
        MetadataImage after = NEXT.apply(new MetadataBatch(4, 1, 1, List.of()));
        gate.onImage(NEXT, after);

        // then the first is a change from nothing, the second follows it
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).containsExactly(MetadataImage.EMPTY, NEXT);
        assertThat(seen.get(1)).containsExactly(NEXT, after);
    }

    @Test
    void aRegistrationThatFailedOpensNothing() {
        List<MetadataImage> seen = new ArrayList<>();
        CompletableFuture<Long> registered = new CompletableFuture<>();
        registered.completeExceptionally(new IllegalStateException("node closing"));
        AfterOwnRegistration gate = new AfterOwnRegistration((previous, next) -> seen.add(next), registered);

        gate.onImage(REGISTERED, NEXT);

        assertThat(seen).isEmpty();
    }
}
