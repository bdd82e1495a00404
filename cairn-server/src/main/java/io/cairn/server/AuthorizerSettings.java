package io.cairn.server;

import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.cairn.broker.security.RequestAuthorizer;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.acl.AclAuthorizer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * The authorizer a node's properties ask for: {@value CairnConfig#AUTHORIZER_CLASS_NAME} empty (none) or Kafka's
 * StandardAuthorizer, served by Cairn's own implementation of its rules over the metadata image (docs/adr/0021),
 * with {@value CairnConfig#SUPER_USERS} and {@value CairnConfig#ALLOW_EVERYONE_IF_NO_ACL_FOUND}.
 */
final class AuthorizerSettings {

    /** Kafka's KRaft authorizer, whose rules Cairn serves. */
    static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    private AuthorizerSettings() {
    }

    static RequestAuthorizer authorizer(CairnConfig config, Supplier<MetadataImage> image) {
        String className = config.getString(CairnConfig.AUTHORIZER_CLASS_NAME).trim();
        if (className.isEmpty()) {
            return RequestAuthorizer.none();
        }
        if (!className.equals(STANDARD_AUTHORIZER)) {
            throw new ConfigException(CairnConfig.AUTHORIZER_CLASS_NAME, className,
                    "Cairn serves " + STANDARD_AUTHORIZER + " (ACLs in the metadata log) or none");
        }
        return RequestAuthorizer.standard(image, new AclAuthorizer(superUsers(
                config.getString(CairnConfig.SUPER_USERS)), config.getBoolean(
                CairnConfig.ALLOW_EVERYONE_IF_NO_ACL_FOUND)));
    }

    /** The principals of super.users ({@code User:a;User:b}), each checked as Kafka parses it. */
    static Set<String> superUsers(String value) {
        return Arrays.stream(value.split(";")).map(String::trim).filter(s -> !s.isEmpty()).map(s -> {
            try {
                return SecurityUtils.parseKafkaPrincipal(s).toString();
            } catch (IllegalArgumentException e) {
                throw new ConfigException(CairnConfig.SUPER_USERS, value, "not a principal (Type:name): " + s);
            }
        }).collect(Collectors.toUnmodifiableSet());
    }
}
