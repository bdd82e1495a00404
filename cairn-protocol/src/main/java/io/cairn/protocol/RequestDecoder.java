package io.cairn.protocol;

import java.nio.ByteBuffer;

import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Turns one request frame (the bytes after the 4-byte size prefix) into a {@link KafkaRequest}.
 *
 * <p>Outcomes, following Apache Kafka:
 * <ul>
 *   <li>a request kafka-clients can parse: {@link Decoded.Request}, whether or not this node serves that
 *       API and version (the dispatcher answers UNSUPPORTED_VERSION for what it does not serve);</li>
 *   <li>ApiVersions at a version newer than known: {@link Decoded.UnsupportedApiVersions}, answered with a
 *       v0 response carrying UNSUPPORTED_VERSION and the served ranges, so the client can downgrade;</li>
 *   <li>anything else (truncated header, unknown API key, unknown version, malformed body):
 *       {@link InvalidRequestException}; the connection is closed.</li>
 * </ul>
 *
 * <p>Thread-safe (stateless).
 */
public final class RequestDecoder {

    /** api key (2) + api version (2) + correlation id (4). */
    private static final int MIN_HEADER_BYTES = 8;

    private RequestDecoder() {
    }

    /** The result of decoding one frame. */
    public sealed interface Decoded {
        record Request(KafkaRequest request) implements Decoded {
        }

        record UnsupportedApiVersions(int correlationId, short requestedVersion) implements Decoded {
        }
    }

    /**
     * @param frame positioned at the api key; consumed by this call. The decoded request may keep
     *              slices of it (produce records), so the caller must not reuse it.
     */
    public static Decoded decode(ByteBuffer frame) {
        if (frame.remaining() < MIN_HEADER_BYTES) {
            throw new InvalidRequestException("Request of " + frame.remaining() + " bytes is too short for a header");
        }
        short apiKeyId = frame.getShort(frame.position());
        short version = frame.getShort(frame.position() + 2);
        int correlationId = frame.getInt(frame.position() + 4);
        if (!ApiKeys.hasId(apiKeyId)) {
            throw new InvalidRequestException("Unknown API key " + apiKeyId);
        }
        ApiKeys apiKey = ApiKeys.forId(apiKeyId);
        if (!apiKey.isVersionSupported(version)) {
            if (apiKey == ApiKeys.API_VERSIONS) {
                return new Decoded.UnsupportedApiVersions(correlationId, version);
            }
            throw new InvalidRequestException("Unsupported version " + version + " of " + apiKey);
        }
        int size = frame.remaining();
        try {
            RequestHeader header = RequestHeader.parse(frame);
            RequestAndSize body = AbstractRequest.parseRequest(apiKey, version, new ByteBufferAccessor(frame));
            return new Decoded.Request(new KafkaRequest(header, body.request, size + 4));
        } catch (InvalidRequestException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidRequestException("Malformed " + apiKey + " v" + version + " request: " + e, e);
        }
    }
}
