package io.cairn.server;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * A node's configuration, with Apache Kafka's property names where Kafka has one. Parsed and validated
 * with kafka-clients' {@link ConfigDef}, so a bad value fails at start with the property's name and the
 * reason. Properties this class does not define (the log.* topic defaults, for example) are kept and
 * passed on as broker-level topic defaults.
 *
 * <p>Immutable.
 */
public final class CairnConfig extends AbstractConfig {

    public static final String NODE_ID = "node.id";
    public static final String BROKER_ID = "broker.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String SASL_ENABLED_MECHANISMS = "sasl.enabled.mechanisms";
    public static final String SASL_MECHANISM_INTER_BROKER_PROTOCOL = "sasl.mechanism.inter.broker.protocol";
    public static final String CONNECTIONS_MAX_REAUTH_MS = "connections.max.reauth.ms";
    public static final String SASL_SERVER_MAX_RECEIVE_SIZE = "sasl.server.max.receive.size";
    public static final String CONNECTION_FAILED_AUTHENTICATION_DELAY_MS = "connection.failed.authentication.delay.ms";
    public static final String BOOTSTRAP_SCRAM_CREDENTIALS = "cairn.bootstrap.scram.credentials";
    public static final String DELEGATION_TOKEN_SECRET_KEY = "delegation.token.secret.key";
    public static final String DELEGATION_TOKEN_MASTER_KEY = "delegation.token.master.key";
    public static final String DELEGATION_TOKEN_MAX_LIFETIME_MS = "delegation.token.max.lifetime.ms";
    public static final String DELEGATION_TOKEN_EXPIRY_TIME_MS = "delegation.token.expiry.time.ms";
    public static final String DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS = "delegation.token.expiry.check.interval.ms";
    public static final String AUTHORIZER_CLASS_NAME = "authorizer.class.name";
    public static final String PRINCIPAL_BUILDER_CLASS = "principal.builder.class";
    public static final String SSL_PRINCIPAL_MAPPING_RULES = "ssl.principal.mapping.rules";
    public static final String SUPER_USERS = "super.users";
    public static final String ALLOW_EVERYONE_IF_NO_ACL_FOUND = "allow.everyone.if.no.acl.found";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String BROKER_RACK = "broker.rack";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String MAX_CONNECTIONS_PER_IP_OVERRIDES = "max.connections.per.ip.overrides";
    public static final String MAX_CONNECTION_CREATION_RATE = "max.connection.creation.rate";
    public static final String QUEUED_MAX_REQUEST_BYTES = "queued.max.request.bytes";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String NUM_RECOVERY_THREADS_PER_DATA_DIR = "num.recovery.threads.per.data.dir";
    public static final String METRICS_PORT = "cairn.metrics.port";
    public static final String AUDIT_INTERVAL_MS = "cairn.audit.interval.ms";
    public static final String AUDIT_MAX_METADATA_LAG = "cairn.audit.max.metadata.lag";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String RAFT_SECURITY_PROTOCOL = "cairn.raft.security.protocol";
    public static final String CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS = "controller.quorum.election.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String METADATA_SNAPSHOT_ENTRIES = "cairn.metadata.snapshot.entries";
    public static final String CONTROLLER_REQUEST_TIMEOUT_MS = "cairn.controller.request.timeout.ms";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String CONTROLLED_SHUTDOWN_TIMEOUT_MS = "cairn.controlled.shutdown.timeout.ms";
    /** Testing only (docs/adr/0028); the controller reads it as ControllerSettings.METADATA_FORMAT_MAX. */
    public static final String METADATA_FORMAT_MAX = "cairn.testing.metadata.format.max";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(NODE_ID, Type.INT, 1, Range.atLeast(0), Importance.HIGH,
                    "The id of this node; unique in a cluster. broker.id is accepted as an alias.")
            .define(LISTENERS, Type.STRING, "PLAINTEXT://localhost:9092", Importance.HIGH,
                    "The Kafka listeners, as NAME://host:port, comma separated, e.g. "
                            + "PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093; each binds its own port (0 picks a "
                            + "free one), an empty host binds every interface. The name's protocol comes from "
                            + "listener.security.protocol.map; PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL are "
                            + "served. A client is told the "
                            + "endpoints of the listener it connected through.")
            .define(ADVERTISED_LISTENERS, Type.STRING, null, Importance.HIGH,
                    "The addresses clients are told to use, as NAME://host:port, comma separated, each naming one "
                            + "of listeners. A listener not named here advertises its own address (Kafka leaves it "
                            + "out); port 0 advertises the bound port.")
            .define(LISTENER_SECURITY_PROTOCOL_MAP, Type.STRING, Listeners.DEFAULT_PROTOCOL_MAP, Importance.LOW,
                    "The security protocol of each listener name, as NAME:PROTOCOL, comma separated, e.g. "
                            + "INTERNAL:PLAINTEXT,EXTERNAL:SSL.")
            .define(INTER_BROKER_LISTENER_NAME, Type.STRING, null, Importance.MEDIUM,
                    "The listener whose advertised endpoint the broker registers in the metadata, which the "
                            + "other brokers use (follower fetches, heartbeats, forwarding to the controller, "
                            + "transaction markers), as clients of its protocol: on SSL and SASL_SSL with the "
                            + "listener's own ssl.* settings (its truststore trusts the other nodes, its keystore is "
                            + "this node's certificate), on SASL_PLAINTEXT and SASL_SSL logging in with "
                            + "sasl.mechanism.inter.broker.protocol (docs/adr/0025). Unset: the listener named "
                            + "PLAINTEXT, else the first.")
            .define(SASL_ENABLED_MECHANISMS, Type.STRING, "GSSAPI", Importance.MEDIUM,
                    "The SASL mechanisms of the SASL_PLAINTEXT and SASL_SSL listeners, comma separated; "
                            + "listener.name.<listener>.sasl.enabled.mechanisms sets one listener's. Cairn serves "
                            + "PLAIN (users from the listener's listener.name.<listener>.plain.sasl.jaas.config), "
                            + "SCRAM-SHA-256 and SCRAM-SHA-512 (credentials in the metadata log). The default, "
                            + "Kafka's, is GSSAPI, which Cairn does not serve: a SASL listener must set it.")
            .define(SASL_MECHANISM_INTER_BROKER_PROTOCOL, Type.STRING, "GSSAPI", Importance.MEDIUM,
                    "The SASL mechanism a node logs in with on another node's SASL inter-broker listener: PLAIN, "
                            + "SCRAM-SHA-256 or SCRAM-SHA-512, with the username and password options of the "
                            + "listener's listener.name.<listener>.<mechanism>.sasl.jaas.config (else the JAAS file's "
                            + "KafkaServer section), as Kafka. The default, Kafka's, is GSSAPI, which Cairn does not "
                            + "speak: a SASL inter-broker listener must set it.")
            .define(CONNECTIONS_MAX_REAUTH_MS, Type.LONG, 0L, Importance.MEDIUM,
                    "A SASL session lasts this many milliseconds: the client re-authenticates on its connection "
                            + "before (KIP-368), else the connection is closed at its next request. 0: sessions do "
                            + "not end. listener.name.<listener>.[<mechanism>.]connections.max.reauth.ms overrides "
                            + "it.")
            .define(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS, Type.INT, 100, Range.atLeast(0), Importance.LOW,
                    "A failed SASL authentication is answered, and its connection closed, this many milliseconds "
                            + "late (KIP-306), which slows password guessing. 0: at once.")
            .define(SASL_SERVER_MAX_RECEIVE_SIZE, Type.INT, 524288, Importance.LOW,
                    "The largest request read from a SASL client before it has authenticated; a larger one "
                            + "closes the connection.")
            .define(BOOTSTRAP_SCRAM_CREDENTIALS, Type.PASSWORD, null, Importance.MEDIUM,
                    "SCRAM credentials a new cluster starts with, as Kafka's kafka-storage format --add-scram: "
                            + "SCRAM-SHA-256=[name=admin,password=admin-secret], optionally with iterations=N "
                            + "(default 4096), entries comma separated (cairn start --add-scram sets one per flag). "
                            + "The controller that creates the cluster writes them to the metadata log with the "
                            + "cluster id; later they are changed with AlterUserScramCredentials (kafka-configs "
                            + "--entity-type users). Give every node the same value.")
            .define(PRINCIPAL_BUILDER_CLASS, Type.CLASS,
                    org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder.class,
                    Importance.MEDIUM,
                    "The KafkaPrincipalBuilder that makes each connection's principal, which ACLs, super.users and "
                            + "user quotas name; a class of your own (on the classpath, Configurable if it likes: "
                            + "it is given the listener's properties) replaces Kafka's default, which makes "
                            + "User:ANONYMOUS of a PLAINTEXT connection, User:<SASL authorization id> of a SASL one, "
                            + "and of an SSL one User:<the client certificate's subject> mapped through "
                            + SSL_PRINCIPAL_MAPPING_RULES + " (User:ANONYMOUS without a client certificate). "
                            + "listener.name.<listener>.principal.builder.class sets one listener's.")
            .define(SSL_PRINCIPAL_MAPPING_RULES, Type.STRING, "DEFAULT", Importance.LOW,
                    "How the default principal builder maps a client certificate's subject (RFC 2253, e.g. "
                            + "CN=alice,OU=apps,O=Example) to a user name on SSL listeners, with Kafka's rules, "
                            + "comma separated, the first that matches wins: RULE:pattern/replacement/[LU] "
                            + "(regular expression, optional lower or upper case) or DEFAULT (the whole subject). "
                            + "E.g. RULE:^CN=(.*?),.*$/$1/,DEFAULT makes User:alice of the subject above. A subject "
                            + "no rule matches is refused. listener.name.<listener>.ssl.principal.mapping.rules "
                            + "sets one listener's.")
            .define(AUTHORIZER_CLASS_NAME, Type.STRING, "", Importance.HIGH,
                    "The authorizer: empty (the default) allows every request, as Kafka without one; "
                            + AuthorizerSettings.STANDARD_AUTHORIZER + " (Kafka's name) checks every request against "
                            + "the ACLs in the metadata log (CreateAcls, kafka-acls.sh), with Kafka's StandardAuthorizer "
                            + "rules. Brokers talk to each other as the principal they log in as on the "
                            + "inter-broker listener (User:ANONYMOUS on a PLAINTEXT one, on SSL their certificate's "
                            + "principal, see " + PRINCIPAL_BUILDER_CLASS + "), which super.users must then name "
                            + "(docs/adr/0021, 0025).")
            .define(SUPER_USERS, Type.STRING, "", Importance.MEDIUM,
                    "Principals allowed everything by the authorizer, semicolon separated, e.g. "
                            + "User:admin;User:broker.")
            .define(ALLOW_EVERYONE_IF_NO_ACL_FOUND, Type.BOOLEAN, false, Importance.MEDIUM,
                    "With an authorizer: allow an action on a resource that no ACL names at all (literal, prefixed "
                            + "or wildcard). False: denied.")
            .define(DELEGATION_TOKEN_SECRET_KEY, Type.PASSWORD, null, Importance.MEDIUM,
                    "The secret of delegation tokens (KIP-48, docs/adr/0034): each token's password, its HMAC, is "
                            + "derived from it and the token id. Set, it enables the delegation token APIs "
                            + "(kafka-delegation-tokens.sh) and SCRAM logins with a token (tokenauth=true); unset "
                            + "or empty, they answer DELEGATION_TOKEN_AUTH_DISABLED. Give every node the same value; "
                            + "changing it invalidates every token.")
            .define(DELEGATION_TOKEN_MASTER_KEY, Type.PASSWORD, null, Importance.LOW,
                    "The old name of " + DELEGATION_TOKEN_SECRET_KEY + ", used when that is not set.")
            .define(DELEGATION_TOKEN_MAX_LIFETIME_MS, Type.LONG, 7 * 24 * 3600 * 1000L, Range.atLeast(1),
                    Importance.MEDIUM, "The longest a delegation token lives, renewals included: the default and "
                            + "the upper bound of a token's max lifetime (7 days).")
            .define(DELEGATION_TOKEN_EXPIRY_TIME_MS, Type.LONG, 24 * 3600 * 1000L, Range.atLeast(1),
                    Importance.MEDIUM, "How long a delegation token lives without a renewal: the default and the "
                            + "upper bound of a renewal (1 day).")
            .define(DELEGATION_TOKEN_EXPIRY_CHECK_INTERVAL_MS, Type.LONG, 3600 * 1000L, Range.atLeast(1),
                    Importance.LOW, "How often the active controller removes expired delegation tokens from the "
                            + "metadata (1 hour). An expired token no longer authenticates, removed or not.")
            .define(LOG_DIRS, Type.STRING, "./data", Importance.HIGH,
                    "The directory holding this node's data (partition logs and metadata). log.dir is accepted.")
            .define(BROKER_RACK, Type.STRING, null, Importance.MEDIUM, "The rack of this broker.")
            .define(AUTO_CREATE_TOPICS_ENABLE, Type.BOOLEAN, true, Importance.HIGH,
                    "Create a topic when a client asks for metadata of a topic that does not exist.")
            .define(NUM_PARTITIONS, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                    "The default number of partitions of a new topic.")
            .define(DEFAULT_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1), Importance.MEDIUM,
                    "The default replication factor of a new topic.")
            .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1), Importance.MEDIUM,
                    "The largest request accepted; a larger one closes the connection.")
            .define(CONNECTIONS_MAX_IDLE_MS, Type.LONG, 600_000L, Range.atLeast(1), Importance.MEDIUM,
                    "Idle connections are closed after this many milliseconds.")
            .define(MAX_CONNECTIONS, Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "At this many open connections the listener stops accepting until one closes (new ones wait in "
                            + "the kernel's accept queue), as Kafka's acceptor blocks.")
            .define(MAX_CONNECTIONS_PER_IP, Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "A new connection from an address that already has this many is closed at once.")
            .define(MAX_CONNECTIONS_PER_IP_OVERRIDES, Type.STRING, "", Importance.LOW,
                    "Per-address exceptions to max.connections.per.ip, as host:count or address:count, comma "
                            + "separated, e.g. 127.0.0.1:200,batch-host:5.")
            .define(MAX_CONNECTION_CREATION_RATE, Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "The most new connections a second the node accepts (KIP-612), over the quota window (11 "
                            + "samples of 1 s), for all listeners together and for each listener: above it the "
                            + "listener accepts nothing for the throttle time (at most a second), then serves the "
                            + "connection that waited; no connection is refused for it. "
                            + "listener.name.<listener>.max.connection.creation.rate sets one listener's own rate. "
                            + "The inter-broker listener of a node with other listeners counts only against its own "
                            + "rate. Dynamic (kafka-configs --entity-type brokers), as in Kafka.")
            .define(QUEUED_MAX_REQUEST_BYTES, Type.LONG, -1L, Importance.MEDIUM,
                    "The bytes of requests the node holds, across all connections, before it stops reading more. A "
                            + "connection sets aside a request's size when it has read the size, and gets it back "
                            + "once the request is parsed (a produce: once its records are appended, not when "
                            + "acks=all is answered); while nothing is left, connections stop reading until some is. "
                            + "-1 (or 0): no bound. At least socket.request.max.bytes when set.")
            .define(NUM_NETWORK_THREADS, Type.INT, 3, Range.atLeast(1), Importance.LOW,
                    "Threads reading and writing sockets.")
            .define(NUM_IO_THREADS, Type.INT, 8, Range.atLeast(1), Importance.LOW,
                    "Threads serving requests.")
            .define(LOG_RETENTION_CHECK_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1), Importance.LOW,
                    "How often retention is enforced.")
            .define(NUM_RECOVERY_THREADS_PER_DATA_DIR, Type.INT, 2, Range.atLeast(1), Importance.MEDIUM,
                    "How many partition logs are loaded at once when the node starts (each recovered after an "
                            + "unclean shutdown: validated, indexes and producer state rebuilt); a log that "
                            + "cannot be loaded takes only its partition offline (docs/adr/0032). Kafka's default.")
            .define(METRICS_PORT, Type.INT, -1, Range.atLeast(-1), Importance.LOW,
                    "Port of the HTTP endpoint serving Prometheus metrics at /metrics; -1 disables it, 0 picks one.")
            .define(AUDIT_INTERVAL_MS, Type.LONG, 5_000L, Range.atLeast(100), Importance.LOW,
                    "How often the node audits its own replica roles against its metadata image and how far its "
                            + "image is behind the committed metadata (the live invariant audit; it also checks "
                            + "every image it applies).")
            .define(AUDIT_MAX_METADATA_LAG, Type.LONG, 1_000L, Range.atLeast(0), Importance.LOW,
                    "How many metadata log entries the node's image may be behind the offset its Raft member knew "
                            + "committed one audit earlier before the audit reports image_caught_up violated. "
                            + "Raft's own entries (a no-op per term, configuration changes) count too.")
            .define(CONTROLLER_QUORUM_VOTERS, Type.STRING, null, Importance.HIGH,
                    "The metadata quorum: every node of the cluster as id@host:port, where port is its Raft port, "
                            + "e.g. 1@10.0.0.1:9093,2@10.0.0.2:9093,3@10.0.0.3:9093. Unset: a single-node cluster "
                            + "whose only voter is this node (Raft on 127.0.0.1, any free port).")
            .define(RAFT_SECURITY_PROTOCOL, Type.STRING, "PLAINTEXT", Importance.HIGH,
                    "The security of the metadata Raft port of controller.quorum.voters: PLAINTEXT, or SSL, mutual "
                            + "TLS between the voters, so that a process without a trusted certificate can neither "
                            + "join the quorum nor read the metadata log. Its keystore and truststore are Kafka's "
                            + "ssl.* settings prefixed with cairn.raft. (cairn.raft.ssl.keystore.location, ...), "
                            + "each falling back to the unprefixed ssl.* one; the certificate must name the host of "
                            + "the node's voter address. Every voter must use the same protocol. SSL runs Ratis on "
                            + "its gRPC transport, whose RPC has TLS (docs/adr/0025).")
            .define(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, Type.INT, 1000, Range.atLeast(50), Importance.MEDIUM,
                    "Minimum metadata Raft election timeout; the maximum is twice it. A single voter elects itself "
                            + "at once.")
            .define(BROKER_HEARTBEAT_INTERVAL_MS, Type.INT, 500, Range.atLeast(10), Importance.MEDIUM,
                    "How often this broker heartbeats the active controller (a heartbeat writes no metadata).")
            .define(BROKER_SESSION_TIMEOUT_MS, Type.INT, 3000, Range.atLeast(100), Importance.MEDIUM,
                    "A broker that has not heartbeated the active controller for this long is fenced: it leaves "
                            + "every ISR and the partitions it led get new leaders. Kafka's default is 9000; "
                            + "Cairn's 3000 (with 500 ms heartbeats) moves leadership off a crashed node in under "
                            + "3 s (docs/adr/0006). Must exceed twice broker.heartbeat.interval.ms.")
            .define(METADATA_SNAPSHOT_ENTRIES, Type.LONG, 10_000L, Range.atLeast(10), Importance.LOW,
                    "Take a metadata snapshot, and purge the Raft log before it, every this many entries.")
            .define(CONTROLLER_REQUEST_TIMEOUT_MS, Type.INT, 25_000, Range.atLeast(100), Importance.LOW,
                    "How long a metadata change waits for an active controller before answering a retriable "
                            + "REQUEST_TIMED_OUT.")
            .define(REPLICA_LAG_TIME_MAX_MS, Type.LONG, 30_000L, Range.atLeast(1), Importance.MEDIUM,
                    "A follower that has not caught up with the leader for this long is removed from the ISR.")
            .define(CONTROLLED_SHUTDOWN_TIMEOUT_MS, Type.LONG, 5_000L, Range.atLeast(0), Importance.LOW,
                    "On a graceful stop, how long to wait for the controller to move leadership away.")
            .define(METADATA_FORMAT_MAX, Type.INT, 2, Range.between(1, 2), Importance.LOW,
                    "Testing only: the newest metadata batch format this node reads. At 1 the node behaves as a node "
                            + "of the release before format 2: it refuses format-2 batches, registers no "
                            + "cairn.metadata.version range (so the controller takes it for one that supports levels "
                            + "1-2) and advertises none. Rolling-upgrade tests use it (docs/adr/0028); never set it "
                            + "in production.");

    private final Listeners listeners;

    public CairnConfig(Map<String, ?> properties) {
        super(DEFINITION, aliases(properties), false);
        perIpOverrides();
        // The coordinators' settings are read later by their own definitions; a bad value fails here, named.
        io.cairn.broker.group.GroupConfig.fromBrokerConfigs(originals());
        io.cairn.broker.txn.TransactionConfig.fromBrokerConfigs(originals());
        // So are the topic defaults (log.segment.bytes, ...): Kafka refuses to start with a bad one.
        io.cairn.metadata.config.TopicConfigs.validateNodeSettings(allAsStrings());
        this.listeners = Listeners.parse(getString(LISTENERS), getString(ADVERTISED_LISTENERS),
                getString(LISTENER_SECURITY_PROTOCOL_MAP), getString(INTER_BROKER_LISTENER_NAME),
                java.util.Objects.toString(originals().get("controller.listener.names"), null));
        if (getInt(BROKER_SESSION_TIMEOUT_MS) <= 2 * getInt(BROKER_HEARTBEAT_INTERVAL_MS)) {
            throw new org.apache.kafka.common.config.ConfigException(BROKER_SESSION_TIMEOUT_MS + " ("
                    + getInt(BROKER_SESSION_TIMEOUT_MS) + ") must exceed twice " + BROKER_HEARTBEAT_INTERVAL_MS + " ("
                    + getInt(BROKER_HEARTBEAT_INTERVAL_MS) + "): a single late heartbeat would fence a healthy broker");
        }
        long queuedMaxRequestBytes = getLong(QUEUED_MAX_REQUEST_BYTES);
        if (queuedMaxRequestBytes > 0 && queuedMaxRequestBytes < getInt(SOCKET_REQUEST_MAX_BYTES)) {
            // As Kafka: else one request of the largest size could never be read.
            throw new ConfigException(QUEUED_MAX_REQUEST_BYTES + " (" + queuedMaxRequestBytes + ") must be at least "
                    + SOCKET_REQUEST_MAX_BYTES + " (" + getInt(SOCKET_REQUEST_MAX_BYTES) + ")");
        }
        // listener.name.<listener>.max.connection.creation.rate is read when the listener starts: checked here, first
        DynamicConnectionLimits.creationRates(this, Map.of());
    }

    private static Map<String, Object> aliases(Map<String, ?> properties) {
        Map<String, Object> resolved = new HashMap<>(properties);
        if (!resolved.containsKey(NODE_ID) && resolved.containsKey(BROKER_ID)) {
            resolved.put(NODE_ID, resolved.get(BROKER_ID));
        }
        if (!resolved.containsKey(LOG_DIRS) && resolved.containsKey(LOG_DIR)) {
            resolved.put(LOG_DIRS, resolved.get(LOG_DIR));
        }
        String dirs = String.valueOf(resolved.getOrDefault(LOG_DIRS, "./data"));
        if (dirs.contains(",")) {
            throw new ConfigException(LOG_DIRS, dirs, "Cairn uses one data directory per node");
        }
        return resolved;
    }

    public int nodeId() {
        return getInt(NODE_ID);
    }

    /** The inter-broker listener's address to bind. */
    public Listener listener() {
        Listeners.Endpoint bound = listeners.bound(listeners.interBroker().name());
        return new Listener(bound.host(), bound.port());
    }

    /** Every listener: to bind, to advertise, the inter-broker one. */
    public Listeners listeners() {
        return listeners;
    }

    public Path dataDir() {
        return Path.of(getString(LOG_DIRS));
    }

    /**
     * The metadata quorum's voters as {@code id@host:port} entries; without controller.quorum.voters, this node
     * alone on 127.0.0.1 with Raft port 0 (any free port: a lone voter is never dialled).
     */
    public String quorumVoters() {
        String voters = getString(CONTROLLER_QUORUM_VOTERS);
        return voters == null || voters.isBlank() ? nodeId() + "@127.0.0.1:0" : voters;
    }

    /**
     * max.connections.per.ip.overrides as host -> limit.
     *
     * @throws org.apache.kafka.common.config.ConfigException an entry that is not host:count with count >= 0
     */
    public Map<String, Integer> perIpOverrides() {
        return io.cairn.metadata.config.KafkaBrokerConfigs.parsePerIpOverrides(
                getString(MAX_CONNECTIONS_PER_IP_OVERRIDES));
    }

    public Optional<String> rack() {
        return Optional.ofNullable(getString(BROKER_RACK));
    }

    /** The defaults of the properties defined here (those with one), as strings, for DescribeConfigs. */
    public static Map<String, String> defaults() {
        Map<String, String> defaults = new HashMap<>();
        DEFINITION.configKeys().values().forEach(key -> {
            if (key.hasDefault() && key.defaultValue != null) {
                defaults.put(key.name, ConfigDef.convertToString(key.defaultValue, key.type));
            }
        });
        return defaults;
    }

    /** Every property given, as strings: broker-level topic defaults are read from here. */
    public Map<String, String> allAsStrings() {
        Map<String, String> all = new HashMap<>();
        originals().forEach((key, value) -> all.put(key, String.valueOf(value)));
        return all;
    }

    /** A host and port. */
    public record Listener(String host, int port) {
    }
}
