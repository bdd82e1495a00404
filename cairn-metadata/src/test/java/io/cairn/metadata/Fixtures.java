package io.cairn.metadata;

import java.util.List;

import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;

/** Builds images for tests. Not thread-safe. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A bootstrapped image with unfenced brokers 1..n (no racks). */
    public static MetadataImage withBrokers(int n) {
        MetadataImage image = MetadataImage.EMPTY.apply(0, new ClusterIdRecord("test-cluster", (short) 1));
        for (int id = 1; id <= n; id++) {
            image = image.apply(id, new RegisterBrokerRecord(id, "localhost", 9090 + id, null, 1, false));
        }
        return image;
    }

    /** Applies records as one batch at the next offset. */
    public static MetadataImage applyAll(MetadataImage image, List<MetadataRecord> records) {
        return image.apply(new MetadataBatch(image.offset() + 1, 1, 1, records));
    }
}
