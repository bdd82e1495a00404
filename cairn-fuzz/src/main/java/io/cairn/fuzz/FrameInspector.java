package io.cairn.fuzz;

import java.nio.ByteBuffer;
import java.util.Optional;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.BoundField;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Reads a frame as the node will (with kafka-clients' schemas), after any mutation, to know what the node
 * owes it: an answer with its correlation id, no answer (Produce with acks=0), and how long the request itself
 * allows the node to hold it (a Fetch's max wait, a JoinGroup's rebalance timeout, ...). Also checks that an
 * answer reads as the response of that API and version.
 *
 * <p>Stateless: thread-safe.
 */
final class FrameInspector {

    /** A body that reads whole as a request of {@code api} at {@code version}. */
    record Inspection(ApiMessageType api, short version, int correlationId, short acks, long allowedWaitMs) {

        boolean expectsNoAnswer() {
            return api == ApiMessageType.PRODUCE && acks == 0;
        }
    }

    private FrameInspector() {
    }

    static Optional<Inspection> inspect(byte[] body) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            short key = buffer.getShort(0);
            short version = buffer.getShort(2);
            if (!ApiKeys.hasId(key)) {
                return Optional.empty();
            }
            ApiMessageType api = ApiMessageType.fromApiKey(key);
            if (version < api.lowestSupportedVersion() || version > api.highestSupportedVersion(true)) {
                return Optional.empty();
            }
            Struct header = RequestHeaderData.SCHEMAS[api.requestHeaderVersion(version)].read(buffer);
            // Bytes left over are not a reason to refuse: the node reads the request and ignores them, and may
            // then hold it as long as it asks (a mutated Fetch with a max wait of days).
            Struct request = api.requestSchemas()[version].read(buffer);
            short acks = api == ApiMessageType.PRODUCE ? request.getShort("acks") : -1;
            return Optional.of(new Inspection(api, version, header.getInt("correlation_id"), acks,
                    allowedWait(request)));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** The largest timeout or wait the request carries (its fields named *timeout* or *wait*), at least 0. */
    private static long allowedWait(Struct struct) {
        long max = 0;
        for (BoundField field : struct.schema().fields()) {
            Object value = struct.get(field);
            String name = field.def.name;
            if (field.def.type == Type.INT32 && value instanceof Integer ms
                    && (name.contains("timeout") || name.contains("wait"))) {
                max = Math.max(max, ms);
            } else if (value instanceof Struct nested) {
                max = Math.max(max, allowedWait(nested));
            } else if (value instanceof Object[] array) {
                for (Object element : array) {
                    if (element instanceof Struct nested) {
                        max = Math.max(max, allowedWait(nested));
                    }
                }
            }
        }
        return max;
    }

    /** Why {@code response} is not a valid answer to the inspected request, or empty when it is. */
    static Optional<String> checkResponse(Inspection request, byte[] response) {
        try {
            ByteBuffer buffer = ByteBuffer.wrap(response);
            int correlationId = buffer.getInt();
            if (correlationId != request.correlationId()) {
                return Optional.of("correlation id " + correlationId + ", expected " + request.correlationId());
            }
            if (request.api() == ApiMessageType.API_VERSIONS) {
                return Optional.empty(); // an unsupported version is answered at v0; the driver's probe reads these
            }
            if (request.api().responseHeaderVersion(request.version()) >= 1) {
                skipTaggedFields(buffer);
            }
            request.api().responseSchemas()[request.version()].read(buffer);
            if (buffer.hasRemaining()) {
                return Optional.of(buffer.remaining() + " bytes after the response");
            }
            return Optional.empty();
        } catch (RuntimeException unreadable) {
            return Optional.of("unreadable " + request.api() + " v" + request.version() + " response: " + unreadable);
        }
    }

    private static void skipTaggedFields(ByteBuffer buffer) {
        int count = ByteUtils.readUnsignedVarint(buffer);
        for (int i = 0; i < count; i++) {
            ByteUtils.readUnsignedVarint(buffer);
            int size = ByteUtils.readUnsignedVarint(buffer);
            buffer.position(buffer.position() + size);
        }
    }
}
