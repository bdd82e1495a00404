package io.cairn.metadata.controller;

import java.util.List;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.record.ProducerIdsRecord;
import org.apache.kafka.common.errors.UnknownServerException;

/**
 * Decides producer-id block allocation: the next block starts at the image's next producer id, so blocks
 * never overlap, across controllers and restarts alike.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class ProducerIdControl {

    private ProducerIdControl() {
    }

    public static ControllerResult<ProducerIdBlock> allocate(MetadataImage image, int brokerId, int blockSize) {
        long first = image.nextProducerId();
        if (first > Long.MAX_VALUE - blockSize) {
            throw new UnknownServerException("producer ids exhausted");
        }
        return ControllerResult.of(List.of(new ProducerIdsRecord(brokerId, first + blockSize)),
                new ProducerIdBlock(brokerId, first, blockSize));
    }
}
