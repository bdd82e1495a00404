package io.cairn.broker.cluster;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Builds a request from its generated data class, for the APIs whose kafka-clients builder takes other
 * arguments (AlterConfigs, ElectLeaders): the data is written at the version and parsed back by
 * kafka-clients, so the request is exactly what a client would have sent. Immutable.
 */
public final class DataRequestBuilder extends AbstractRequest.Builder<AbstractRequest> {

    private final ApiMessage data;

    public DataRequestBuilder(ApiKeys apiKey, ApiMessage data) {
        super(apiKey);
        this.data = data;
    }

    @Override
    public AbstractRequest build(short version) {
        ByteBufferAccessor written = MessageUtil.toByteBufferAccessor(data, version);
        written.buffer().rewind();
        return AbstractRequest.parseRequest(apiKey(), version, written).request;
    }
}
