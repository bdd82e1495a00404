package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the config definitions; this fails when it is stale. */
class ConfigDocsTest {

    @Test
    void committedReferenceMatchesTheCode() throws Exception {
        Path committed = Path.of("../docs/configuration.md");
        assertThat(committed).exists();
        assertThat(Files.readString(committed))
                .as("docs/configuration.md is stale: regenerate with "
                        + "`java -cp cairn-server/target/classes:... io.cairn.server.ConfigDocs docs/configuration.md` "
                        + "or run ConfigDocs.main from the IDE")
                .isEqualTo(ConfigDocs.render());
    }
}
