package io.cairn.metadata;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;

/**
 * The single write path for metadata, as request handlers see it: every change is submitted here once
 * and is decided by the active controller (locally, or forwarded to it in a cluster). A future completes
 * after the records it wrote are committed and applied to the local image, so that a handler reading the
 * image right after sees its own change. Callers never check who leads.
 *
 * <p>Thread-safe. Futures complete on the metadata thread: callers must not block in their callbacks.
 */
public interface MetadataWriter {

    /** Creates topics atomically per topic (topic + partitions + leaders + ISR in one batch). */
    CompletableFuture<CreateTopicsResponseData> createTopics(CreateTopicsRequestData request);

    CompletableFuture<DeleteTopicsResponseData> deleteTopics(DeleteTopicsRequestData request);

    CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request);

    CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            IncrementalAlterConfigsRequestData request);

    CompletableFuture<AlterConfigsResponseData> alterConfigs(AlterConfigsRequestData request);

    /** Hands the broker a new block of producer ids. */
    CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId);
}
