package io.cairn.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.protocol.KafkaRequest;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

class CatchUpPolicyTest {

    @Test
    void requestsHeldPastTheBoundGetAnErrorTheirClientsRetry() {
        KafkaRequest endTxn = new KafkaRequest(new RequestHeader(ApiKeys.END_TXN, (short) 4, "producer-1", 7),
                new EndTxnRequest.Builder(new EndTxnRequestData().setTransactionalId("t").setProducerId(1)
                        .setProducerEpoch((short) 0).setCommitted(true), false).build((short) 4), 0);
        KafkaRequest metadata = new KafkaRequest(new RequestHeader(ApiKeys.METADATA, (short) 12, "consumer-1", 8),
                new MetadataRequest(new MetadataRequestData(), (short) 12), 0);

        assertThat(CatchUpPolicy.servedBeforeCatchUp(endTxn)).isFalse();
        assertThat(CatchUpPolicy.notCaughtUp(3, endTxn)).isInstanceOf(CoordinatorNotAvailableException.class);
        assertThat(CatchUpPolicy.notCaughtUp(3, metadata)).isInstanceOf(NotLeaderOrFollowerException.class);
    }
}
