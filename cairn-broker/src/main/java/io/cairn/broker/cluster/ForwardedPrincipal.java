package io.cairn.broker.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * Cairn's tagged field of the delegation token requests a node forwards to the active controller: the principal of
 * the client connection the request came in on ({@code User:alice}), which the controller records as the token's
 * requester and checks as its owner or renewer. Kafka forwards such requests in an Envelope that carries the
 * principal; Cairn forwards Kafka's own request message (docs/adr/0034), so the principal travels beside it, as
 * {@code OfflinePartitionsField} does for heartbeats: an unknown tagged field under tag {@value #TAG}, kept by the
 * generated classes when read and written back when serialised.
 *
 * <p>Only a forwarded request may carry it: a node takes it out of every request a client sends, and the authorizer
 * allows a request carrying it only to a principal with CLUSTER_ACTION on the cluster (the brokers), as Kafka allows
 * Envelope. Value: the principal's {@code type:name} in UTF-8. Needs a flexible version of the request (tagged fields
 * exist from version 2 of the three token requests, and forwarding uses the newest).
 *
 * <p>Thread-safe (stateless).
 */
public final class ForwardedPrincipal {

    /** The tag, beside OfflinePartitionsField's 10000; far above the tags Kafka allocates from 0 upwards. */
    public static final int TAG = 10_001;

    private ForwardedPrincipal() {
    }

    /** Sets the field on {@code request}, replacing an earlier value. */
    public static <T extends ApiMessage> T write(T request, KafkaPrincipal principal) {
        remove(request);
        List<RawTaggedField> fields = new ArrayList<>(request.unknownTaggedFields());
        fields.add(new RawTaggedField(TAG, principal.toString().getBytes(StandardCharsets.UTF_8)));
        fields.sort((a, b) -> Integer.compare(a.tag(), b.tag()));
        request.unknownTaggedFields().clear();
        request.unknownTaggedFields().addAll(fields);
        return request;
    }

    /** Takes the field out of {@code request} (a client's request must not name a principal). */
    public static void remove(ApiMessage request) {
        request.unknownTaggedFields().removeIf(f -> f.tag() == TAG);
    }

    /** Whether {@code request} carries the field. */
    public static boolean present(ApiMessage request) {
        return request.unknownTaggedFields().stream().anyMatch(f -> f.tag() == TAG);
    }

    /** The principal the field names; empty when it carries none or a malformed one. */
    public static Optional<KafkaPrincipal> read(ApiMessage request) {
        return request.unknownTaggedFields().stream().filter(f -> f.tag() == TAG).findFirst().flatMap(f -> {
            try {
                return Optional.of(SecurityUtils.parseKafkaPrincipal(new String(f.data(), StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        });
    }
}
