package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.cairn.metadata.record.UserScramCredentialRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.Test;

class BootstrapScramTest {

    @Test
    void kafkasAddScramSyntaxGivesKeysDerivedFromThePassword() throws Exception {
        // when
        List<UserScramCredentialRecord> records = BootstrapScram.parse(
                "SCRAM-SHA-256=[name=admin,password=admin-secret], SCRAM-SHA-512=[name=\"bob\","
                        + "password=\"a,b]c\",iterations=8192]");

        // then
        assertThat(records).extracting(UserScramCredentialRecord::name, UserScramCredentialRecord::mechanism,
                UserScramCredentialRecord::iterations).containsExactly(
                org.assertj.core.groups.Tuple.tuple("admin", "SCRAM-SHA-256", 4096),
                org.assertj.core.groups.Tuple.tuple("bob", "SCRAM-SHA-512", 8192));
        UserScramCredentialRecord bob = records.get(1);
        ScramFormatter formatter = new ScramFormatter(ScramMechanism.SCRAM_SHA_512);
        byte[] salted = formatter.saltedPassword("a,b]c", bob.salt(), 8192);
        assertThat(bob.storedKey()).isEqualTo(formatter.storedKey(formatter.clientKey(salted)));
        assertThat(bob.serverKey()).isEqualTo(formatter.serverKey(salted));
        assertThat(BootstrapScram.parse(null)).isEmpty();
        assertThat(BootstrapScram.parse(" ")).isEmpty();
    }

    @Test
    void badEntriesAreRefusedWithoutShowingThePassword() {
        for (String bad : List.of("SCRAM-SHA-1=[name=a,password=very-secret]",
                "SCRAM-SHA-256=[name=a]", "SCRAM-SHA-256=[password=very-secret]",
                "SCRAM-SHA-256=[name=a,password=very-secret,iterations=10]",
                "SCRAM-SHA-256=[name=a,password=very-secret,iterations=many]",
                "SCRAM-SHA-256:name=a,password=very-secret", "SCRAM-SHA-256=[name=a,password=very-secret")) {
            assertThatThrownBy(() -> BootstrapScram.parse(bad)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS)
                    .hasMessageNotContaining("very-secret");
        }
    }
}
