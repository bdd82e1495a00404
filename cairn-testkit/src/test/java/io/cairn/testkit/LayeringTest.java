package io.cairn.testkit;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.cairn.broker.cluster.SecureInterBrokerConnector;
import io.cairn.server.OneRequest;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.Test;

/**
 * The layering rules inside modules, which the Maven module graph (each module's enforcer 'module-graph' execution)
 * cannot see: who may touch Ratis, Netty, kafka-clients' wire classes and the wall clock. An exception to a rule is
 * written into the rule with its reason (docs/adr/0019). Reads the main classes of every module below
 * cairn-testkit; the fuzzer and the benchmarks, tools that build frames on purpose, are not on this classpath.
 */
class LayeringTest {

    private static final JavaClasses CAIRN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.cairn");

    @Test
    void onlyCairnRaftTouchesRatis() {
        noClasses().that().resideOutsideOfPackage("io.cairn.raft..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
                .because("Ratis stays behind cairn-metadata's MetadataLog, implemented by cairn-raft alone")
                .check(CAIRN);
    }

    @Test
    void handlersNeverSeeNetty() {
        noClasses().that().resideInAPackage("io.cairn.broker.handlers..")
                .should().dependOnClassesThat().resideInAPackage("io.netty..")
                .because("a handler answers a decoded request; the network layer owns the channel (STYLE.md)")
                .check(CAIRN);
    }

    @Test
    void handlersNeverSeeTheAuthorizer() {
        noClasses().that().resideInAPackage("io.cairn.broker.handlers..")
                .should().dependOnClassesThat().resideInAPackage("io.cairn.broker.security..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.cairn.metadata.acl.AclAuthorizer")
                .because("every request is checked once, in front of its handler (ARCHITECTURE.md, docs/adr/0021)")
                .check(CAIRN);
    }

    /**
     * ADR 0001: the generated message classes are the protocol's, the controller's operation types and the
     * handlers' answers. Storage and the Raft adapter speak no Kafka API.
     */
    @Test
    void storageAndRaftSpeakNoKafkaApi() {
        noClasses().that().resideInAnyPackage("io.cairn.storage..", "io.cairn.raft..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.common.message..",
                        "org.apache.kafka.common.requests..")
                .because("ADR 0001 names who may use kafka-clients' message classes")
                .check(CAIRN);
    }

    /**
     * Framing (writing and parsing whole frames: header data, byte accessors, serialisation) is cairn-protocol's.
     * Reading a decoded request's header is not framing. The exceptions are the nodes' own clients, which frame
     * what they send: the inter-broker channel and the requests it forwards (io.cairn.broker.cluster) and the
     * command line's one-request client ({@link OneRequest}).
     */
    @Test
    void onlyTheProtocolAndTheNodesOwnClientsFrameRequests() {
        noClasses().that().resideOutsideOfPackages("io.cairn.protocol..", "io.cairn.broker.cluster..")
                .and().doNotBelongToAnyOf(OneRequest.class)
                .should().dependOnClassesThat(belongToAnyOf(RequestHeaderData.class, ResponseHeaderData.class,
                        ByteBufferAccessor.class, ObjectSerializationCache.class, MessageUtil.class))
                .orShould().callMethodWhere(target(owner(resideInAPackage("org.apache.kafka.common.requests")))
                        .and(target(nameMatching("serializeWithHeader|parseRequest|parseResponse|parse"))))
                .because("one decoder and one encoder of frames on the serving side, in cairn-protocol "
                        + "(ARCHITECTURE.md, ADR 0001)")
                .check(CAIRN);
    }

    @Test
    void clusterLogicTakesItsClockInjected() {
        noClasses().that().resideInAnyPackage(CLUSTER_LOGIC)
                .and().doNotBelongToAnyOf(SecureInterBrokerConnector.class) // its TLS/SASL deadline bounds blocking
                                                                            // socket reads: the kernel's wall clock
                .should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Thread.class, "sleep", long.class)
                .orShould().callConstructor(Random.class)
                .orShould().dependOnClassesThat().belongToAnyOf(Executors.class)
                .because("the controller, the broker's half of the cluster and the coordinators run on an injected "
                        + "Time, Random and scheduler, so one seeded simulation can drive them (STYLE.md, ADR 0027)")
                .check(CAIRN);
    }

    @Test
    void clusterLogicBoundsItsWaitsOnItsScheduler() {
        noClasses().that().resideInAnyPackage(CLUSTER_LOGIC)
                .should().callMethod(CompletableFuture.class, "orTimeout", long.class, TimeUnit.class)
                .orShould().callMethod(CompletableFuture.class, "completeOnTimeout", Object.class, long.class,
                        TimeUnit.class)
                .orShould().callMethod(CompletableFuture.class, "delayedExecutor", long.class, TimeUnit.class)
                .because("the JDK's timeouts fire on its own wall-clock thread, which a simulated run cannot hold "
                        + "back; Schedulers.orTimeout/completeOnTimeout bound a wait on the node's scheduler (ADR 0027)")
                .check(CAIRN);
    }

    /** The packages whose logic the controller and cluster simulations drive (ADR 0027, 0036). */
    private static final String[] CLUSTER_LOGIC = {"io.cairn.metadata..", "io.cairn.broker.cluster..",
        "io.cairn.broker.replica..", "io.cairn.broker.handlers..", "io.cairn.broker.group..", "io.cairn.broker.txn..",
        "io.cairn.broker.coordinator.."};
}
