package io.cairn.broker.handlers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.ProducerIdManager;
import io.cairn.broker.txn.TransactionCoordinator;
import io.cairn.broker.txn.TxnErrors;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;

/**
 * InitProducerId. For an idempotent producer: a fresh producer id at epoch 0, or, when the producer names the
 * id and epoch it has (after a sequence error), the same id at the next epoch. For a transactional id: the
 * transaction coordinator's answer (a new epoch that fences older instances, KIP-360 recovery with the
 * producer's id and epoch); NOT_COORDINATOR when this node does not coordinate the id.
 *
 * <p>Thread-safe (stateless).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {

    private final ProducerIdManager producerIds;
    private final TransactionCoordinator txns;

    public InitProducerIdHandler(ProducerIdManager producerIds, TransactionCoordinator txns) {
        this.producerIds = producerIds;
        this.txns = txns;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdRequestData data = request.data();
        if (data.transactionalId() != null) {
            Optional<ProducerIdAndEpoch> expected = data.producerId() >= 0 || data.producerEpoch() >= 0
                    ? Optional.of(new ProducerIdAndEpoch(data.producerId(), data.producerEpoch()))
                    : Optional.empty();
            return txns.initProducerId(data.transactionalId(), data.transactionTimeoutMs(), expected)
                    .thenApply(answer -> new InitProducerIdResponseData()
                            .setErrorCode(TxnErrors.forVersion(ApiKeys.INIT_PRODUCER_ID, context.apiVersion(),
                                    answer.error()).code())
                            .setProducerId(answer.producerId())
                            .setProducerEpoch(answer.producerEpoch()));
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
