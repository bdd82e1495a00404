package io.cairn.broker;

import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ProducerIdBlock;
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

/** A test's MetadataWriter: every operation unsupported unless the test overrides it. */
public abstract class UnsupportedMetadataWriter implements MetadataWriter {

    @Override
    public CompletableFuture<CreateTopicsResponseData> createTopics(CreateTopicsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<DeleteTopicsResponseData> deleteTopics(DeleteTopicsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            IncrementalAlterConfigsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<AlterConfigsResponseData> alterConfigs(AlterConfigsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<org.apache.kafka.common.message.AlterUserScramCredentialsResponseData>
            alterUserScramCredentials(org.apache.kafka.common.message.AlterUserScramCredentialsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<org.apache.kafka.common.message.CreateAclsResponseData> createAcls(
            org.apache.kafka.common.message.CreateAclsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<org.apache.kafka.common.message.DeleteAclsResponseData> deleteAcls(
            org.apache.kafka.common.message.DeleteAclsRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<org.apache.kafka.common.message.AlterClientQuotasResponseData> alterClientQuotas(
            org.apache.kafka.common.message.AlterClientQuotasRequestData request) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId) {
        throw new UnsupportedOperationException();
    }
}
