package io.cairn.metadata.acl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs of the cluster, by id, and indexed for authorization: per resource type, the LITERAL ACLs by resource
 * name (the wildcard name {@code *} among them) and the PREFIXED ACLs sorted by prefix, so that the ACLs matching one
 * resource are found with a few map lookups whatever the number of ACLs.
 *
 * <p>Thread-safe (immutable). A change builds a new image ({@link #with}); an image without ACL changes is shared
 * from one metadata image to the next.
 */
public final class AclImage {

    public static final AclImage EMPTY = new AclImage(new LinkedHashMap<>());

    private final Map<Uuid, Acl> byId;
    private final Map<ResourceType, Map<String, List<Acl>>> literal = new EnumMap<>(ResourceType.class);
    private final Map<ResourceType, NavigableMap<String, List<Acl>>> prefixed = new EnumMap<>(ResourceType.class);

    private AclImage(Map<Uuid, Acl> byId) {
        this.byId = Collections.unmodifiableMap(byId);
        for (Acl acl : byId.values()) {
            Map<String, List<Acl>> byName = acl.patternType() == PatternType.PREFIXED
                    ? prefixed.computeIfAbsent(acl.resourceType(), t -> new TreeMap<>())
                    : literal.computeIfAbsent(acl.resourceType(), t -> new HashMap<>());
            byName.computeIfAbsent(acl.resourceName(), n -> new ArrayList<>(1)).add(acl);
        }
    }

    /** This image with {@code removed} ids gone and {@code added} ACLs put (an id already present is kept). */
    public AclImage with(Map<Uuid, Acl> added, java.util.Set<Uuid> removed) {
        if (added.isEmpty() && removed.isEmpty()) {
            return this;
        }
        Map<Uuid, Acl> next = new LinkedHashMap<>(byId);
        next.keySet().removeAll(removed);
        added.forEach(next::putIfAbsent);
        return new AclImage(next);
    }

    /** Every ACL by id, in the order they were created. */
    public Map<Uuid, Acl> acls() {
        return byId;
    }

    /** Whether an ACL equal to this one is stored (under any id); a lookup in the index, not a scan. */
    public boolean contains(Acl acl) {
        Map<String, List<Acl>> byName = acl.patternType() == PatternType.PREFIXED ? prefixed.get(acl.resourceType())
                : literal.get(acl.resourceType());
        List<Acl> acls = byName == null ? null : byName.get(acl.resourceName());
        return acls != null && acls.contains(acl);
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    /** The LITERAL ACLs on exactly this resource name ({@code *} gives the wildcard ones); never null. */
    List<Acl> literal(ResourceType type, String name) {
        Map<String, List<Acl>> byName = literal.get(type);
        List<Acl> acls = byName == null ? null : byName.get(name);
        return acls == null ? List.of() : acls;
    }

    /** The PREFIXED ACLs of a type by prefix, or null when there are none. */
    NavigableMap<String, List<Acl>> prefixed(ResourceType type) {
        return prefixed.get(type);
    }

    /** Every ACL of a resource type, LITERAL and PREFIXED. */
    List<Acl> ofType(ResourceType type) {
        List<Acl> all = new ArrayList<>();
        Map<String, List<Acl>> l = literal.get(type);
        if (l != null) {
            l.values().forEach(all::addAll);
        }
        Map<String, List<Acl>> p = prefixed.get(type);
        if (p != null) {
            p.values().forEach(all::addAll);
        }
        return all;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AclImage other && byId.equals(other.byId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byId);
    }

    @Override
    public String toString() {
        return "AclImage(" + byId.size() + " ACLs)";
    }
}
