package io.cairn.bench.jmh;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.acl.Acl;
import io.cairn.metadata.acl.AclAuthorizer;
import io.cairn.metadata.acl.AclImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One authorization decision ({@link AclAuthorizer#authorize}, what every topic of a request costs on the request
 * path) over {@code acls} ACLs: 1,000 users, each with LITERAL ACLs on topics {@code t-<user>-<i>} and a PREFIXED one
 * on {@code p-<user>-}, group ACLs, a few wildcard ACLs and a DENY. {@code literalHit} is allowed by a literal ACL
 * (and looks at the wildcard and prefix entries too); {@code prefixHit} by a prefixed one; {@code miss} finds
 * nothing and is denied; {@code deniedByDeny} stops at the DENY.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AclAuthorizerBench {

    @Param({"10000"})
    int acls;

    private AclImage image;
    private AclAuthorizer authorizer;
    private String[] users;
    private int next;

    @Setup
    public void setUp() {
        Map<Uuid, Acl> byId = new LinkedHashMap<>();
        Random random = new Random(1);
        int userCount = 1000;
        users = new String[userCount];
        for (int u = 0; u < userCount; u++) {
            users[u] = "User:user-" + u;
        }
        int perUser = Math.max(1, acls / userCount - 2);
        for (int u = 0; u < userCount && byId.size() < acls; u++) {
            for (int i = 0; i < perUser; i++) {
                put(byId, random, new Acl(ResourceType.TOPIC, "t-" + u + "-" + i, PatternType.LITERAL, users[u], "*",
                        AclOperation.READ, AclPermissionType.ALLOW));
            }
            put(byId, random, new Acl(ResourceType.TOPIC, "p-" + u + "-", PatternType.PREFIXED, users[u], "*",
                    AclOperation.WRITE, AclPermissionType.ALLOW));
            put(byId, random, new Acl(ResourceType.GROUP, "g-" + u, PatternType.LITERAL, users[u], "*",
                    AclOperation.READ, AclPermissionType.ALLOW));
        }
        put(byId, random, new Acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:monitor", "*",
                AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        put(byId, random, new Acl(ResourceType.TOPIC, "secret-", PatternType.PREFIXED, "User:*", "*",
                AclOperation.ALL, AclPermissionType.DENY));
        image = AclImage.EMPTY.with(byId, Set.of());
        authorizer = new AclAuthorizer(Set.of("User:admin"), false);
    }

    private static void put(Map<Uuid, Acl> byId, Random random, Acl acl) {
        byId.put(new Uuid(random.nextLong(), random.nextLong()), acl);
    }

    private int user() {
        next = (next + 1) % users.length;
        return next;
    }

    @Benchmark
    public boolean literalHit() {
        int u = user();
        return authorizer.authorize(image, users[u], "10.0.0.1", AclOperation.READ, ResourceType.TOPIC, "t-" + u + "-0");
    }

    @Benchmark
    public boolean prefixHit() {
        int u = user();
        return authorizer.authorize(image, users[u], "10.0.0.1", AclOperation.WRITE, ResourceType.TOPIC,
                "p-" + u + "-orders");
    }

    @Benchmark
    public boolean miss() {
        int u = user();
        return authorizer.authorize(image, users[u], "10.0.0.1", AclOperation.READ, ResourceType.TOPIC,
                "unknown-" + u);
    }

    @Benchmark
    public boolean deniedByDeny() {
        int u = user();
        return authorizer.authorize(image, users[u], "10.0.0.1", AclOperation.READ, ResourceType.TOPIC,
                "secret-" + u);
    }
}
