package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntityData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntryData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.OpData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

class ClientQuotaControlTest {

    @Test
    void quotasAreSetChangedAndRemovedAndAnUnchangedValueWritesNothing() {
        // given: alice's producer_byte_rate and the default client id's consumer_byte_rate
        MetadataImage image = apply(Fixtures.withBrokers(1), request(
                entry(entity("user", "alice"), set("producer_byte_rate", 1024), set("request_percentage", 12.5)),
                entry(entity("client-id", null), set("consumer_byte_rate", 2048))));
        assertThat(image.clientQuotas()).containsEntry(quota("user", "alice"),
                Map.of("producer_byte_rate", 1024.0, "request_percentage", 12.5));
        assertThat(image.clientQuotas()).containsEntry(quota("client-id", null), Map.of("consumer_byte_rate", 2048.0));

        // when
        ControllerResult<AlterClientQuotasResponseData> again = ClientQuotaControl.alterClientQuotas(image,
                request(entry(entity("user", "alice"), set("producer_byte_rate", 1024))));
        MetadataImage removed = apply(image, request(
                entry(entity("user", "alice"), remove("producer_byte_rate"), remove("request_percentage")),
                entry(entity("client-id", null), remove("consumer_byte_rate"), remove("producer_byte_rate"))));

        // then
        assertThat(again.records()).isEmpty();
        assertThat(errors(again)).containsValue(Errors.NONE);
        assertThat(removed.clientQuotas()).isEmpty();
    }

    @Test
    void validateOnlyWritesNothing() {
        AlterClientQuotasRequestData request = request(entry(entity("user", "alice"), set("producer_byte_rate", 1)))
                .setValidateOnly(true);

        ControllerResult<AlterClientQuotasResponseData> result = ClientQuotaControl.alterClientQuotas(
                Fixtures.withBrokers(1), request);

        assertThat(result.records()).isEmpty();
        assertThat(result.response().entries()).singleElement()
                .satisfies(e -> assertThat(e.errorCode()).isEqualTo(Errors.NONE.code()));
    }

    @Test
    void badEntriesGetKafkasMessagesAndTheGoodOnesAreWritten() {
        // when
        ControllerResult<AlterClientQuotasResponseData> result = ClientQuotaControl.alterClientQuotas(
                Fixtures.withBrokers(1), request(
                        entry(entity("user", "ok"), set("producer_byte_rate", 100)),
                        entry(List.of(), set("producer_byte_rate", 100)),
                        entry(entity("group", "g"), set("producer_byte_rate", 100)),
                        entry(entity("user", ""), set("producer_byte_rate", 100)),
                        entry(entity("user", "frac"), set("producer_byte_rate", 1.5)),
                        entry(entity("user", "zero"), set("consumer_byte_rate", 0)),
                        entry(entity("user", "big"), set("producer_byte_rate", 1e20)),
                        entry(entity("user", "key"), set("connection_creation_rate", 10)),
                        entry(entity("ip", "localhost"), set("connection_creation_rate", 1e10)),
                        entry(entity("ip", "no such host.invalid"), set("connection_creation_rate", 10)),
                        entry(List.of(new EntityData().setEntityType("user").setEntityName("both"),
                                new EntityData().setEntityType("ip").setEntityName("127.0.0.1")),
                                set("producer_byte_rate", 10)),
                        entry(entity("user", "dup"), set("producer_byte_rate", 10), set("producer_byte_rate", 20)),
                        entry(entity("user", "ok"), set("consumer_byte_rate", 100))));

        // then
        Map<String, String> messages = new LinkedHashMap<>();
        result.response().entries().forEach(e -> messages.put(e.entity().isEmpty() ? "" : e.entity().get(0)
                .entityType() + "=" + e.entity().get(0).entityName(), e.errorMessage()));
        assertThat(messages).containsEntry("", "Invalid empty client quota entity")
                .containsEntry("user=", "Empty user not supported")
                .containsEntry("group=g", "Unhandled client quota entity type: group")
                .containsEntry("user=frac", "producer_byte_rate cannot be a fractional value.")
                .containsEntry("user=zero", "Quota consumer_byte_rate must be greater than 0")
                .containsEntry("user=big", "Proposed value for producer_byte_rate is too large for a LONG.")
                .containsEntry("user=key", "Invalid configuration key connection_creation_rate")
                .containsEntry("ip=localhost", "Proposed value for connection_creation_rate is too large for an INT.")
                .containsEntry("ip=no such host.invalid", "no such host.invalid is not a valid IP or resolvable host.")
                .containsEntry("user=dup", "Ignoring duplicate entity " + quota("user", "dup"))
                // an entity named twice: the second is refused, as Kafka does
                .containsEntry("user=ok", "Ignoring duplicate entity " + quota("user", "ok"));
        assertThat(result.response().entries()).filteredOn(e -> e.entity().size() == 2).singleElement()
                .satisfies(e -> assertThat(e.errorMessage()).isEqualTo(
                        "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId"));
        assertThat(result.response().entries()).allSatisfy(e ->
                assertThat(e.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code()));
        // the first "ok" entry was valid: its record is written, as in Kafka
        assertThat(Fixtures.applyAll(Fixtures.withBrokers(1), result.records()).clientQuotas())
                .isEqualTo(Map.of(quota("user", "ok"), Map.of("producer_byte_rate", 100.0)));
    }

    private static MetadataImage apply(MetadataImage image, AlterClientQuotasRequestData request) {
        ControllerResult<AlterClientQuotasResponseData> result = ClientQuotaControl.alterClientQuotas(image, request);
        assertThat(errors(result)).allSatisfy((entity, error) -> assertThat(error).isEqualTo(Errors.NONE));
        return Fixtures.applyAll(image, result.records());
    }

    private static Map<List<String>, Errors> errors(ControllerResult<AlterClientQuotasResponseData> result) {
        Map<List<String>, Errors> errors = new HashMap<>();
        result.response().entries().forEach(e -> {
            List<String> key = new ArrayList<>();
            e.entity().forEach(d -> key.add(d.entityType() + "=" + d.entityName()));
            errors.put(key, Errors.forCode(e.errorCode()));
        });
        return errors;
    }

    private static AlterClientQuotasRequestData request(EntryData... entries) {
        return new AlterClientQuotasRequestData().setEntries(List.of(entries));
    }

    private static EntryData entry(List<EntityData> entity, OpData... ops) {
        return new EntryData().setEntity(entity).setOps(List.of(ops));
    }

    private static List<EntityData> entity(String type, String name) {
        return List.of(new EntityData().setEntityType(type).setEntityName(name));
    }

    private static ClientQuotaEntity quota(String type, String name) {
        Map<String, String> entries = new HashMap<>();
        entries.put(type, name);
        return new ClientQuotaEntity(entries);
    }

    private static OpData set(String key, double value) {
        return new OpData().setKey(key).setValue(value);
    }

    private static OpData remove(String key) {
        return new OpData().setKey(key).setRemove(true);
    }
}
