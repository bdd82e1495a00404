package io.cairn.metadata.acl;

import static org.apache.kafka.common.acl.AclOperation.ALL;
import static org.apache.kafka.common.acl.AclOperation.ALTER;
import static org.apache.kafka.common.acl.AclOperation.ALTER_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;
import static org.apache.kafka.common.acl.AclPermissionType.ALLOW;
import static org.apache.kafka.common.acl.AclPermissionType.DENY;
import static org.apache.kafka.common.resource.PatternType.LITERAL;
import static org.apache.kafka.common.resource.PatternType.PREFIXED;
import static org.apache.kafka.common.resource.ResourceType.GROUP;
import static org.apache.kafka.common.resource.ResourceType.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Kafka's StandardAuthorizer semantics, one row per rule: the ACLs, the action, the expected decision. */
class AclAuthorizerTest {

    private static final String ALICE = "User:alice";
    private static final String HOST = "10.0.0.1";

    static Stream<Arguments> cases() {
        return Stream.of(
                row("no ACL at all: denied by default", List.of(), ALICE, READ, TOPIC, "t", false),
                row("literal allow", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ, ALLOW)), ALICE, READ,
                        TOPIC, "t", true),
                row("literal allow for another topic: denied", List.of(acl(TOPIC, "u", LITERAL, ALICE, "*", READ,
                        ALLOW)), ALICE, READ, TOPIC, "t", false),
                row("literal allow for another user: denied", List.of(acl(TOPIC, "t", LITERAL, "User:bob", "*", READ,
                        ALLOW)), ALICE, READ, TOPIC, "t", false),
                row("allow for another operation: denied", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE,
                        ALLOW)), ALICE, READ, TOPIC, "t", false),
                row("wildcard resource name", List.of(acl(TOPIC, "*", LITERAL, ALICE, "*", READ, ALLOW)), ALICE,
                        READ, TOPIC, "anything", true),
                row("wildcard principal", List.of(acl(TOPIC, "t", LITERAL, "User:*", "*", READ, ALLOW)), ALICE,
                        READ, TOPIC, "t", true),
                row("prefixed allow", List.of(acl(TOPIC, "orders-", PREFIXED, ALICE, "*", READ, ALLOW)), ALICE,
                        READ, TOPIC, "orders-eu", true),
                row("prefixed equal to the name", List.of(acl(TOPIC, "orders", PREFIXED, ALICE, "*", READ, ALLOW)),
                        ALICE, READ, TOPIC, "orders", true),
                row("prefixed longer than the name: denied", List.of(acl(TOPIC, "orders-eu", PREFIXED, ALICE, "*",
                        READ, ALLOW)), ALICE, READ, TOPIC, "orders", false),
                row("a shorter prefix behind a non-matching longer key", List.of(
                        acl(TOPIC, "or", PREFIXED, ALICE, "*", READ, ALLOW),
                        acl(TOPIC, "orders-x", PREFIXED, ALICE, "*", READ, DENY)), ALICE, READ, TOPIC, "orders-y",
                        true),
                row("prefixed is not literal: a literal ACL on the prefix name does not match", List.of(
                        acl(TOPIC, "orders-", LITERAL, ALICE, "*", READ, ALLOW)), ALICE, READ, TOPIC, "orders-eu",
                        false),
                row("deny wins over allow", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ, ALLOW),
                        acl(TOPIC, "t", LITERAL, ALICE, "*", READ, DENY)), ALICE, READ, TOPIC, "t", false),
                row("prefixed deny wins over literal allow", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ,
                        ALLOW), acl(TOPIC, "", PREFIXED, "User:*", "*", ALL, DENY)), ALICE, READ, TOPIC, "t", false),
                row("wildcard deny wins", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ, ALLOW),
                        acl(TOPIC, "*", LITERAL, ALICE, "*", READ, DENY)), ALICE, READ, TOPIC, "t", false),
                row("deny of READ does not deny DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", DESCRIBE,
                        ALLOW), acl(TOPIC, "t", LITERAL, ALICE, "*", READ, DENY)), ALICE, DESCRIBE, TOPIC, "t", true),
                row("deny of ALL denies DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", DESCRIBE, ALLOW),
                        acl(TOPIC, "t", LITERAL, ALICE, "*", ALL, DENY)), ALICE, DESCRIBE, TOPIC, "t", false),
                row("allow ALL", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", ALL, ALLOW)), ALICE, DELETE, TOPIC, "t",
                        true),
                row("READ implies DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ, ALLOW)), ALICE,
                        DESCRIBE, TOPIC, "t", true),
                row("WRITE implies DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE, ALLOW)), ALICE,
                        DESCRIBE, TOPIC, "t", true),
                row("DELETE implies DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", DELETE, ALLOW)), ALICE,
                        DESCRIBE, TOPIC, "t", true),
                row("ALTER implies DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", ALTER, ALLOW)), ALICE,
                        DESCRIBE, TOPIC, "t", true),
                row("CREATE does not imply DESCRIBE", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", CREATE, ALLOW)),
                        ALICE, DESCRIBE, TOPIC, "t", false),
                row("DESCRIBE does not imply READ", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", DESCRIBE, ALLOW)),
                        ALICE, READ, TOPIC, "t", false),
                row("ALTER_CONFIGS implies DESCRIBE_CONFIGS", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*",
                        ALTER_CONFIGS, ALLOW)), ALICE, DESCRIBE_CONFIGS, TOPIC, "t", true),
                row("host matches", List.of(acl(TOPIC, "t", LITERAL, ALICE, HOST, READ, ALLOW)), ALICE, READ, TOPIC,
                        "t", true),
                row("another host: denied", List.of(acl(TOPIC, "t", LITERAL, ALICE, "10.0.0.2", READ, ALLOW)),
                        ALICE, READ, TOPIC, "t", false),
                row("deny from another host does not apply", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ,
                        ALLOW), acl(TOPIC, "t", LITERAL, ALICE, "10.0.0.2", READ, DENY)), ALICE, READ, TOPIC, "t",
                        true),
                row("ACLs of another resource type do not apply", List.of(acl(GROUP, "t", LITERAL, ALICE, "*", READ,
                        ALLOW)), ALICE, READ, TOPIC, "t", false),
                row("a resource without a name: denied", List.of(acl(TOPIC, "*", LITERAL, "User:*", "*", ALL,
                        ALLOW)), ALICE, READ, TOPIC, null, false),
                row("super user without ACLs", List.of(), "User:admin", DELETE, TOPIC, "t", true),
                row("super user despite a deny", List.of(acl(TOPIC, "t", LITERAL, "User:admin", "*", ALL, DENY)),
                        "User:admin", DELETE, TOPIC, "t", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesAsKafkasStandardAuthorizer(String rule, List<Acl> acls, String principal, AclOperation operation,
                                           ResourceType type, String name, boolean expected) {
        // given
        AclAuthorizer authorizer = new AclAuthorizer(Set.of("User:admin"), false);

        // when
        boolean allowed = authorizer.authorize(image(acls), principal, HOST, operation, type, name);

        // then
        assertThat(allowed).as(rule).isEqualTo(expected);
    }

    static Stream<Arguments> noAclFound() {
        return Stream.of(
                row("no ACL on the resource: allowed", List.of(), ALICE, READ, TOPIC, "t", true),
                row("an ACL on the resource for someone else: denied", List.of(acl(TOPIC, "t", LITERAL, "User:bob",
                        "*", READ, ALLOW)), ALICE, READ, TOPIC, "t", false),
                row("an ACL on the resource for another operation: denied", List.of(acl(TOPIC, "t", LITERAL, ALICE,
                        "*", WRITE, ALLOW)), ALICE, READ, TOPIC, "t", false),
                row("an ACL on another resource only: allowed", List.of(acl(TOPIC, "u", LITERAL, "User:bob", "*",
                        READ, ALLOW)), ALICE, READ, TOPIC, "t", true),
                row("a prefixed ACL covering the resource: denied", List.of(acl(TOPIC, "t", PREFIXED, "User:bob",
                        "*", READ, ALLOW)), ALICE, READ, TOPIC, "t1", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("noAclFound")
    void allowEveryoneIfNoAclFoundLooksAtEveryAclOnTheResource(String rule, List<Acl> acls, String principal,
                                                               AclOperation operation, ResourceType type, String name,
                                                               boolean expected) {
        // given
        AclAuthorizer authorizer = new AclAuthorizer(Set.of(), true);

        // when
        boolean allowed = authorizer.authorize(image(acls), principal, HOST, operation, type, name);

        // then
        assertThat(allowed).as(rule).isEqualTo(expected);
    }

    static Stream<Arguments> byResourceType() {
        return Stream.of(
                row("an allow on one topic", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE, ALLOW)), ALICE,
                        WRITE, TOPIC, "", true),
                row("no allow", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", READ, ALLOW)), ALICE, WRITE, TOPIC, "",
                        false),
                row("the allow's name denied", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE, ALLOW),
                        acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE, DENY)), ALICE, WRITE, TOPIC, "", false),
                row("a prefixed deny dominating the allow", List.of(acl(TOPIC, "t-1", PREFIXED, ALICE, "*", WRITE,
                        ALLOW), acl(TOPIC, "t-", PREFIXED, ALICE, "*", WRITE, DENY)), ALICE, WRITE, TOPIC, "", false),
                row("a wildcard deny", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE, ALLOW),
                        acl(TOPIC, "*", LITERAL, "User:*", "*", ALL, DENY)), ALICE, WRITE, TOPIC, "", false),
                row("a deny on another name leaves the allow", List.of(acl(TOPIC, "t", LITERAL, ALICE, "*", WRITE,
                        ALLOW), acl(TOPIC, "u", LITERAL, ALICE, "*", WRITE, DENY)), ALICE, WRITE, TOPIC, "", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("byResourceType")
    void authorizeByResourceTypeAsKafkasDefault(String rule, List<Acl> acls, String principal, AclOperation operation,
                                                ResourceType type, String unused, boolean expected) {
        // given
        AclAuthorizer authorizer = new AclAuthorizer(Set.of(), false);

        // when
        boolean allowed = authorizer.authorizeByResourceType(image(acls), principal, HOST, operation, type);

        // then
        assertThat(allowed).as(rule).isEqualTo(expected);
    }

    private static Arguments row(String rule, List<Acl> acls, String principal, AclOperation operation,
                                 ResourceType type, String name, boolean expected) {
        return Arguments.of(rule, acls, principal, operation, type, name, expected);
    }

    static Acl acl(ResourceType type, String name, PatternType pattern, String principal, String host,
                   AclOperation operation, AclPermissionType permission) {
        return new Acl(type, name, pattern, principal, host, operation, permission);
    }

    static AclImage image(List<Acl> acls) {
        Map<Uuid, Acl> byId = new LinkedHashMap<>();
        acls.forEach(acl -> byId.put(Uuid.randomUuid(), acl));
        return AclImage.EMPTY.with(byId, Set.of());
    }
}
