package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.ProducerIdManager;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.InitProducerIdRequest;

/**
 * InitProducerId for idempotent producers: a fresh producer id at epoch 0, or, when the producer names the
 * id and epoch it has (after a sequence error), the same id at the next epoch. Transactional ids are
 * refused until transactions are implemented.
 *
 * <p>Thread-safe (stateless).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {

    private final ProducerIdManager producerIds;

    public InitProducerIdHandler(ProducerIdManager producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdRequestData data = request.data();
        if (data.transactionalId() != null) {
            throw new UnsupportedVersionException("Transactions are not supported by Cairn yet");
        }
        if (data.producerId() >= 0 && data.producerEpoch() >= 0 && data.producerEpoch() < Short.MAX_VALUE - 1) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                    .setProducerId(data.producerId())
                    .setProducerEpoch((short) (data.producerEpoch() + 1)));
        }
        return producerIds.nextProducerId().thenApply(id -> new InitProducerIdResponseData()
                .setProducerId(id)
                .setProducerEpoch((short) 0));
    }
}
