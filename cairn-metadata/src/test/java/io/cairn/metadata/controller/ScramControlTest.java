package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.ScramCredentialImage;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.junit.jupiter.api.Test;

class ScramControlTest {

    private static final byte[] SALT = {1, 2, 3, 4};

    @Test
    void anUpsertionStoresTheKeysDerivedFromTheSaltedPasswordNeverThePassword() throws Exception {
        // given: what Admin sends for SCRAM-SHA-256=[iterations=8192,password=alice-secret]
        ScramFormatter formatter = new ScramFormatter(
                org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_256);
        byte[] salted = formatter.saltedPassword("alice-secret", SALT, 8192);

        // when
        ControllerResult<AlterUserScramCredentialsResponseData> result = ScramControl.alterUserScramCredentials(
                Fixtures.withBrokers(1), new AlterUserScramCredentialsRequestData().setUpsertions(java.util.List.of(
                        upsert("alice", ScramMechanism.SCRAM_SHA_256, 8192, salted))));
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), result.records());

        // then
        assertThat(errors(result)).containsExactly(Map.entry("alice", Errors.NONE));
        ScramCredentialImage stored = image.scramCredential("alice", "SCRAM-SHA-256").orElseThrow();
        assertThat(stored.salt()).isEqualTo(SALT);
        assertThat(stored.iterations()).isEqualTo(8192);
        assertThat(stored.storedKey()).isEqualTo(formatter.storedKey(formatter.clientKey(salted)));
        assertThat(stored.serverKey()).isEqualTo(formatter.serverKey(salted));
    }

    @Test
    void badChangesAreRefusedPerUserAsKafkaRefusesThem() {
        // given: bob has a SCRAM-SHA-512 credential
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), ScramControl.alterUserScramCredentials(
                Fixtures.withBrokers(1), new AlterUserScramCredentialsRequestData().setUpsertions(java.util.List.of(
                        upsert("bob", ScramMechanism.SCRAM_SHA_512, 4096, new byte[64])))).records());

        // when
        ControllerResult<AlterUserScramCredentialsResponseData> result = ScramControl.alterUserScramCredentials(
                image, new AlterUserScramCredentialsRequestData()
                        .setDeletions(java.util.List.of(
                                delete("bob", ScramMechanism.SCRAM_SHA_256),
                                delete("dave", ScramMechanism.SCRAM_SHA_512),
                                delete("bob2", ScramMechanism.SCRAM_SHA_512)))
                        .setUpsertions(java.util.List.of(
                                upsert("few", ScramMechanism.SCRAM_SHA_256, 4095, new byte[32]),
                                upsert("many", ScramMechanism.SCRAM_SHA_256, 16385, new byte[32]),
                                upsert("", ScramMechanism.SCRAM_SHA_256, 4096, new byte[32]),
                                upsert("unknown", ScramMechanism.UNKNOWN, 4096, new byte[32]),
                                upsert("twice", ScramMechanism.SCRAM_SHA_256, 4096, new byte[32]),
                                upsert("twice", ScramMechanism.SCRAM_SHA_512, 4096, new byte[32]),
                                upsert("empty-salted", ScramMechanism.SCRAM_SHA_256, 4096, new byte[0]))));

        // then
        assertThat(errors(result)).containsOnly(
                Map.entry("bob", Errors.RESOURCE_NOT_FOUND),
                Map.entry("dave", Errors.RESOURCE_NOT_FOUND),
                Map.entry("bob2", Errors.RESOURCE_NOT_FOUND),
                Map.entry("few", Errors.UNACCEPTABLE_CREDENTIAL),
                Map.entry("many", Errors.UNACCEPTABLE_CREDENTIAL),
                Map.entry("", Errors.UNACCEPTABLE_CREDENTIAL),
                Map.entry("unknown", Errors.UNSUPPORTED_SASL_MECHANISM),
                Map.entry("twice", Errors.DUPLICATE_RESOURCE),
                Map.entry("empty-salted", Errors.UNACCEPTABLE_CREDENTIAL));
        assertThat(result.records()).isEmpty();
    }

    @Test
    void aDeletionRemovesOneMechanism() {
        // given
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), ScramControl.alterUserScramCredentials(
                Fixtures.withBrokers(1), new AlterUserScramCredentialsRequestData().setUpsertions(java.util.List.of(
                        upsert("bob", ScramMechanism.SCRAM_SHA_512, 4096, new byte[64])))).records());

        // when
        ControllerResult<AlterUserScramCredentialsResponseData> result = ScramControl.alterUserScramCredentials(
                image, new AlterUserScramCredentialsRequestData().setDeletions(java.util.List.of(
                        delete("bob", ScramMechanism.SCRAM_SHA_512))));

        // then
        assertThat(errors(result)).containsExactly(Map.entry("bob", Errors.NONE));
        assertThat(Fixtures.applyAll(image, result.records()).scramCredentials()).isEmpty();
    }

    private static ScramCredentialUpsertion upsert(String name, ScramMechanism mechanism, int iterations,
                                                   byte[] salted) {
        return new ScramCredentialUpsertion().setName(name).setMechanism(mechanism.type()).setIterations(iterations)
                .setSalt(SALT).setSaltedPassword(salted);
    }

    private static ScramCredentialDeletion delete(String name, ScramMechanism mechanism) {
        return new ScramCredentialDeletion().setName(name).setMechanism(mechanism.type());
    }

    private static Map<String, Errors> errors(ControllerResult<AlterUserScramCredentialsResponseData> result) {
        return result.response().results().stream().collect(Collectors.toMap(r -> r.user(),
                r -> Errors.forCode(r.errorCode())));
    }
}
