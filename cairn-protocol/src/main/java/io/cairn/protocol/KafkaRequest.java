package io.cairn.protocol;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One decoded request: its header and its body, parsed with kafka-clients' generated classes.
 *
 * @param sizeInBytes the size of the frame, header included
 */
public record KafkaRequest(RequestHeader header, AbstractRequest body, int sizeInBytes) {

    public short apiVersion() {
        return header.apiVersion();
    }

    @Override
    public String toString() {
        return header.apiKey() + " v" + header.apiVersion() + " correlationId=" + header.correlationId()
                + " clientId=" + header.clientId();
    }
}
