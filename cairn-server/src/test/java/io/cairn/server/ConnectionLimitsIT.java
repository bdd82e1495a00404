package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's connection caps (issue 15): max.connections.per.ip closes the connection over the cap at once, and
 * max.connections.per.ip.overrides gives an address its own cap; at max.connections the listener stops accepting
 * until a connection closes, and the waiting connection is then served.
 */
class ConnectionLimitsIT {

    @TempDir
    Path dataDir;

    @Test
    void aConnectionOverThePerAddressCapIsClosedAtOnce() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of(CairnConfig.MAX_CONNECTIONS_PER_IP, "3"))) {
            List<RawClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    open.add(served(node));
                }
                // the fourth from 127.0.0.1 is closed: its request gets end of stream, not an answer
                try (RawClient fourth = new RawClient(node.node().port())) {
                    assertThatThrownBy(() -> apiVersions(fourth)).isInstanceOf(IOException.class);
                }
                // and a slot freed is a slot again; the three kept working meanwhile
                open.remove(0).close();
                open.add(awaitServed(node));
                for (RawClient client : open) {
                    assertThat(apiVersions(client).errorCode()).isZero();
                }
            } finally {
                for (RawClient client : open) {
                    client.close();
                }
            }
        }
    }

    @Test
    void anOverrideGivesAnAddressItsOwnCap() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of(CairnConfig.MAX_CONNECTIONS_PER_IP, "1",
                CairnConfig.MAX_CONNECTIONS_PER_IP_OVERRIDES, "127.0.0.1:2"));
             RawClient first = served(node); RawClient second = served(node);
             RawClient third = new RawClient(node.node().port())) {
            assertThatThrownBy(() -> apiVersions(third)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void atMaxConnectionsANewConnectionWaitsUntilOneCloses() throws Exception {
        try (TestNode node = TestNode.start(dataDir, Map.of(CairnConfig.MAX_CONNECTIONS, "2"))) {
            RawClient first = served(node);
            try (RawClient second = served(node); RawClient waiting = new RawClient(node.node().port())) {
                // the third connects (the kernel queues it) but is not served while two are open
                waiting.socket().setSoTimeout(1_000);
                assertThatThrownBy(() -> apiVersions(waiting)).isInstanceOf(SocketTimeoutException.class);
                // once one closes, the listener accepts it and its request is answered
                first.close();
                waiting.socket().setSoTimeout(30_000);
                assertThat(readResponseOfPendingRequest(waiting)).isTrue();
            }
        }
    }

    @Test
    void aDynamicPerAddressCapAppliesToNewConnectionsWithoutRestart() throws Exception {
        try (TestNode node = TestNode.start(dataDir); RawClient control = served(node)) {
            // when: this broker's max.connections.per.ip becomes 1, which the control connection already uses
            assertThat(alterBrokerConfig(control, CairnConfig.MAX_CONNECTIONS_PER_IP, "1", AlterConfigOp.OpType.SET))
                    .isEqualTo(Errors.NONE);

            // then: a new connection from 127.0.0.1 is closed at once; the open one keeps working
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawClient another = new RawClient(node.node().port())) {
                    assertThatThrownBy(() -> apiVersions(another)).isInstanceOf(IOException.class);
                }
            });

            // when: the node restarts, the stored cap is read back from the metadata log
            node.restart();
            try (RawClient again = awaitServed(node)) {
                // then
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
                    try (RawClient another = new RawClient(node.node().port())) {
                        assertThatThrownBy(() -> apiVersions(another)).isInstanceOf(IOException.class);
                    }
                });

                // when: the dynamic config is deleted, the node's property (no cap) is back
                assertThat(alterBrokerConfig(again, CairnConfig.MAX_CONNECTIONS_PER_IP, null,
                        AlterConfigOp.OpType.DELETE)).isEqualTo(Errors.NONE);

                // then
                awaitServed(node).close();
            }
        }
    }

    private static Errors alterBrokerConfig(RawClient client, String name, String value, AlterConfigOp.OpType op)
            throws IOException {
        IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData();
        IncrementalAlterConfigsRequestData.AlterConfigsResource resource =
                new IncrementalAlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("1");
        resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig()
                .setName(name).setValue(value).setConfigOperation(op.id()));
        request.resources().add(resource);
        IncrementalAlterConfigsResponseData response = (IncrementalAlterConfigsResponseData) client.call(
                ApiKeys.INCREMENTAL_ALTER_CONFIGS, request, ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion());
        return Errors.forCode(response.responses().get(0).errorCode());
    }

    private static RawClient served(TestNode node) throws IOException {
        RawClient client = new RawClient(node.node().port());
        assertThat(apiVersions(client).errorCode()).isZero();
        return client;
    }

    /** A new connection, retried while the node has not yet seen a closed one go (the close is asynchronous). */
    private static RawClient awaitServed(TestNode node) throws Exception {
        return org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> served(node), client -> true);
    }

    private static ApiVersionsResponseData apiVersions(RawClient client) throws IOException {
        return (ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS, new ApiVersionsRequestData()
                .setClientSoftwareName("limits-test").setClientSoftwareVersion("1"), (short) 3);
    }

    /** The answer to the request the timed-out call left on the connection: a length-prefixed frame. */
    private static boolean readResponseOfPendingRequest(RawClient client) throws IOException {
        java.io.DataInputStream in = new java.io.DataInputStream(client.socket().getInputStream());
        int length = in.readInt();
        in.readFully(new byte[length]);
        return length > 0;
    }
}
