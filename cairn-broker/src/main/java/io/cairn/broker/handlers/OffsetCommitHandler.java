package io.cairn.broker.handlers;

import java.util.concurrent.CompletableFuture;

import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetCommitRequest;

/**
 * OffsetCommit: stores a group's offsets in its {@code __consumer_offsets} partition and answers once they
 * are committed. Topics are named (v2..v9); v10's topic ids are not served, so clients use v9.
 *
 * <p>Thread-safe (stateless).
 */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest> {

    private final GroupCoordinatorRuntime groups;

    public OffsetCommitHandler(GroupCoordinatorRuntime groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public short maxVersion() {
        return 9;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetCommitRequest request) {
        return groups.write(groups.partitionFor(request.data().groupId()),
                shard -> shard.offsets().commit(request.data())).thenApply(response -> response);
    }
}
