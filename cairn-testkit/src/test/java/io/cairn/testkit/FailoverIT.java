package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller dies, a node restarts, a node is given another cluster's data. */
class FailoverIT {

    @TempDir
    Path root;

    @Test
    void creationResumesThroughTheNewControllerAfterTheControllerIsKilled() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given: clients bootstrapped on the two nodes that will survive, creating topics in a loop
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.controllerId() > 0);
            int controller = cluster.controllerId();
            List<Integer> survivors = cluster.runningNodes().stream().filter(id -> id != controller).toList();
            Set<String> created = ConcurrentHashMap.newKeySet();
            Set<Throwable> errors = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger sequence = new AtomicInteger();
            long[] firstAfterKill = new long[1];
            long[] killedAt = new long[1];
            List<Thread> creators = survivors.stream().map(id -> new Thread(() -> {
                Properties props = new Properties();
                props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.node(id).bootstrapServers());
                try (Admin admin = Admin.create(props)) {
                    while (!stop.get()) {
                        String name = "failover-" + sequence.incrementAndGet();
                        long startedAt = System.nanoTime();
                        try {
                            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
                            created.add(name);
                            long now = System.nanoTime();
                            synchronized (firstAfterKill) {
                                if (killedAt[0] != 0 && startedAt > killedAt[0]
                                        && (firstAfterKill[0] == 0 || now < firstAfterKill[0])) {
                                    firstAfterKill[0] = now;
                                }
                            }
                        } catch (ExecutionException e) {
                            if (!(e.getCause() instanceof TopicExistsException)) {
                                errors.add(e.getCause());
                            }
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            })).toList();
            creators.forEach(Thread::start);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> created.size() >= 10);

            // when: the controller is killed mid-stream. Time counts from the start of the kill: the in-process
            // kill closes the node's parts one after another (its Kafka listener first), and the survivors may
            // elect before it returns (a kill -9 is instant).
            synchronized (firstAfterKill) {
                killedAt[0] = System.nanoTime();
            }
            cluster.killNode(controller);
            int before = created.size();

            // then: creation resumes through a new controller; no client saw NOT_CONTROLLER
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> created.size() >= before + 10);
            stop.set(true);
            for (Thread creator : creators) {
                creator.join(30_000);
            }
            assertThat(errors).noneMatch(e -> e instanceof NotControllerException);
            assertThat(cluster.controllerId()).isIn(survivors);
            System.out.printf("[figure] controller failover: %d ms from the controller's death to the first "
                    + "creation started after it completing "
                    + "(%d topics before, %d after; errors: %s)%n",
                    (firstAfterKill[0] - killedAt[0]) / 1_000_000, before, created.size() - before, errors);

            // and: the killed node restarts on its data and catches up on everything created without it
            cluster.startNode(controller);
            cluster.awaitAllRegistered(Duration.ofSeconds(30));
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() ->
                    cluster.node(controller).controller().current().topicsByName().keySet().containsAll(created));
        }
    }

    @Test
    void aNodeRestartedOnItsDataRejoinsAndSeesTopicsCreatedMeanwhile() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given: a topic, then node 3 stopped
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic("before-restart", 1, (short) 1))).all().get();
            }
            cluster.stopNode(3);

            // when: another topic is created without it, and it restarts
            try (Admin admin = cluster.admin(1)) {
                admin.createTopics(List.of(new NewTopic("while-down", 1, (short) 1))).all().get();
            }
            cluster.startNode(3);
            cluster.awaitAllRegistered(Duration.ofSeconds(30));

            // then: it knows both topics and serves creations
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(3).controller().current()
                    .topicsByName().keySet().containsAll(Set.of("before-restart", "while-down")));
            try (Admin admin = cluster.admin(3)) {
                admin.createTopics(List.of(new NewTopic("after-restart", 1, (short) 1))).all().get();
                assertThat(admin.listTopics().names().get()).contains("before-restart", "while-down", "after-restart");
            }
        }
    }

    @Test
    void aNodeWhoseDataBelongsToAnotherClusterRefusesToStart() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3)) {
            // given: node 3's data says it belongs to another cluster
            cluster.stopNode(3);
            Path meta = cluster.dataDir(3).resolve("meta.properties");
            String content = Files.readString(meta);
            assertThat(content).contains("cluster.id=");
            Files.writeString(meta, content.replaceAll("cluster\\.id=.*", "cluster.id=someOtherClusterId00000A"));

            // when / then: it refuses to start, naming both ids
            assertThatThrownBy(() -> cluster.startNode(3))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("someOtherClusterId00000A")
                    .hasMessageContaining("refusing to start");
        }
    }
}
