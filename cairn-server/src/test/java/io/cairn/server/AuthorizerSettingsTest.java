package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AuthorizerSettingsTest {

    @Test
    void noAuthorizerByDefaultAndKafkasStandardAuthorizerByItsName() {
        assertThat(AuthorizerSettings.authorizer(new CairnConfig(Map.of()), () -> MetadataImage.EMPTY).enabled())
                .isFalse();
        assertThat(AuthorizerSettings.authorizer(new CairnConfig(Map.of(CairnConfig.AUTHORIZER_CLASS_NAME,
                AuthorizerSettings.STANDARD_AUTHORIZER)), () -> MetadataImage.EMPTY).enabled()).isTrue();
    }

    @Test
    void anotherAuthorizerOrAMalformedSuperUserIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> AuthorizerSettings.authorizer(new CairnConfig(Map.of(
                CairnConfig.AUTHORIZER_CLASS_NAME, "kafka.security.authorizer.AclAuthorizer")),
                () -> MetadataImage.EMPTY)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(CairnConfig.AUTHORIZER_CLASS_NAME);
        assertThatThrownBy(() -> AuthorizerSettings.superUsers("User:admin;admin"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(CairnConfig.SUPER_USERS);
    }

    @Test
    void superUsersAreSemicolonSeparatedPrincipals() {
        assertThat(AuthorizerSettings.superUsers(" User:admin ; User:ANONYMOUS;")).containsExactlyInAnyOrder(
                "User:admin", "User:ANONYMOUS");
        assertThat(AuthorizerSettings.superUsers("")).isEmpty();
    }
}
