package io.cairn.metadata.acl;

import java.util.List;
import java.util.NavigableMap;
import java.util.Set;

import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Kafka's StandardAuthorizer decisions as a pure function of the ACLs, the caller and the action:
 * <ol>
 *   <li>a principal of {@code super.users} may do anything;</li>
 *   <li>the ACLs that apply are those on the resource: LITERAL with its exact name, LITERAL with the wildcard
 *       name {@code *}, PREFIXED with a prefix of its name; of these, those whose principal is the caller's or
 *       {@code User:*}, whose host is the caller's address or {@code *};</li>
 *   <li>a DENY for the operation (or ALL) wins over everything;</li>
 *   <li>else an ALLOW for the operation or ALL allows; an ALLOW for READ, WRITE, DELETE or ALTER also allows
 *       DESCRIBE, and one for ALTER_CONFIGS also DESCRIBE_CONFIGS (a DENY implies nothing);</li>
 *   <li>else, when no ACL at all is on the resource (whatever its principal, host or operation),
 *       {@code allow.everyone.if.no.acl.found} decides; it is false by default: denied.</li>
 * </ol>
 *
 * <p>Thread-safe (immutable); reads only the image it is given, no lock, no I/O.
 *
 * @param superUsers              principals as {@code User:admin}
 * @param allowEveryoneIfNoAclFound Kafka's {@code allow.everyone.if.no.acl.found}
 */
public record AclAuthorizer(Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {

    public AclAuthorizer {
        superUsers = Set.copyOf(superUsers);
    }

    /**
     * Whether {@code principal} ({@code User:alice}) from {@code host} may perform {@code operation}. A resource
     * without a name (a malformed request) is allowed to super users only.
     */
    public boolean authorize(AclImage acls, String principal, String host, AclOperation operation,
                             ResourceType type, String name) {
        if (superUsers.contains(principal)) {
            return true;
        }
        if (name == null) {
            return false;
        }
        Match match = new Match(principal, host, operation);
        match.scan(acls.literal(type, name));
        if (!Acl.WILDCARD.equals(name)) {
            match.scan(acls.literal(type, Acl.WILDCARD));
        }
        NavigableMap<String, List<Acl>> prefixed = acls.prefixed(type);
        if (prefixed != null) {
            // the prefixes of name, longest first: each floor key is a prefix of name, or shows how much of it is
            String key = prefixed.floorKey(name);
            while (key != null && !match.denied) {
                if (name.startsWith(key)) {
                    match.scan(prefixed.get(key));
                    key = key.isEmpty() ? null : prefixed.floorKey(key.substring(0, key.length() - 1));
                } else {
                    key = prefixed.floorKey(name.substring(0, commonPrefix(key, name)));
                }
            }
        }
        if (match.denied) {
            return false;
        }
        if (match.allowed) {
            return true;
        }
        return !match.anyOnResource && allowEveryoneIfNoAclFound;
    }

    /**
     * Whether the caller may perform {@code operation} on at least one resource of {@code type}, as Kafka's
     * {@code Authorizer.authorizeByResourceType} (InitProducerId without a transactional id, CreateTopics):
     * allowed as for any resource when a super user or no ACL is found, else allowed when an ALLOW for the
     * operation (or ALL) matches the caller and no wildcard DENY, no DENY on the same LITERAL name and no PREFIXED
     * DENY of a prefix of the allowed name dominates it.
     */
    public boolean authorizeByResourceType(AclImage acls, String principal, String host, AclOperation operation,
                                           ResourceType type) {
        if (authorize(acls, principal, host, operation, type, "hardcode")) {
            return true;
        }
        List<Acl> candidates = acls.ofType(type).stream()
                .filter(acl -> appliesTo(acl, principal, host)
                        && (acl.operation() == operation || acl.operation() == AclOperation.ALL))
                .toList();
        List<Acl> denies = candidates.stream().filter(a -> a.permission() == AclPermissionType.DENY).toList();
        if (denies.stream().anyMatch(d -> d.patternType() == PatternType.LITERAL
                && Acl.WILDCARD.equals(d.resourceName()))) {
            return false;
        }
        return candidates.stream().filter(a -> a.permission() == AclPermissionType.ALLOW).anyMatch(allow ->
                denies.stream().noneMatch(deny -> dominates(deny, allow)));
    }

    private static boolean dominates(Acl deny, Acl allow) {
        if (deny.patternType() == PatternType.PREFIXED) {
            return allow.resourceName().startsWith(deny.resourceName());
        }
        return allow.patternType() == PatternType.LITERAL && allow.resourceName().equals(deny.resourceName());
    }

    private static boolean appliesTo(Acl acl, String principal, String host) {
        return (acl.principal().equals(principal) || acl.principal().equals(Acl.WILDCARD_PRINCIPAL))
                && (acl.host().equals(host) || acl.host().equals(Acl.WILDCARD));
    }

    /** Whether an ALLOW of {@code granted} allows {@code requested}. */
    static boolean implies(AclOperation granted, AclOperation requested) {
        if (granted == requested || granted == AclOperation.ALL) {
            return true;
        }
        return switch (requested) {
            case DESCRIBE -> granted == AclOperation.READ || granted == AclOperation.WRITE
                    || granted == AclOperation.DELETE || granted == AclOperation.ALTER;
            case DESCRIBE_CONFIGS -> granted == AclOperation.ALTER_CONFIGS;
            default -> false;
        };
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** What the ACLs on one resource say about one caller and operation; not thread-safe, one per decision. */
    private static final class Match {
        private final String principal;
        private final String host;
        private final AclOperation operation;
        boolean anyOnResource;
        boolean allowed;
        boolean denied;

        Match(String principal, String host, AclOperation operation) {
            this.principal = principal;
            this.host = host;
            this.operation = operation;
        }

        void scan(List<Acl> acls) {
            for (int i = 0, n = acls.size(); i < n; i++) {
                Acl acl = acls.get(i);
                anyOnResource = true;
                if (!appliesTo(acl, principal, host)) {
                    continue;
                }
                if (acl.permission() == AclPermissionType.DENY) {
                    if (acl.operation() == operation || acl.operation() == AclOperation.ALL) {
                        denied = true;
                        return;
                    }
                } else if (implies(acl.operation(), operation)) {
                    allowed = true;
                }
            }
        }
    }
}
