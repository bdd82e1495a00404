package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class ListenersTest {

    private static Listeners parse(String listeners, String advertised, String map, String interBroker) {
        return Listeners.parse(listeners, advertised, map == null ? Listeners.DEFAULT_PROTOCOL_MAP : map, interBroker,
                null);
    }

    @Test
    void severalListenersBindInOrderWithTheirProtocols() {
        // when
        Listeners listeners = parse("PLAINTEXT://127.0.0.1:9092,SSL://:9093", null, null, null);

        // then
        assertThat(listeners.bound()).containsExactly(
                new Listeners.Endpoint("PLAINTEXT", SecurityProtocol.PLAINTEXT, "127.0.0.1", 9092),
                new Listeners.Endpoint("SSL", SecurityProtocol.SSL, "0.0.0.0", 9093));
        assertThat(listeners.interBroker().name()).isEqualTo("PLAINTEXT");
        assertThat(listeners.advertised("SSL").port()).isEqualTo(9093);
    }

    @Test
    void saslListenersAreServedBesideAPlaintextInterBrokerOne() {
        // when
        Listeners listeners = parse("PLAINTEXT://h:1,SASL_PLAINTEXT://h:2,SASL_SSL://h:3", null, null, null);

        // then
        assertThat(listeners.bound("SASL_PLAINTEXT").protocol()).isEqualTo(SecurityProtocol.SASL_PLAINTEXT);
        assertThat(listeners.bound("SASL_SSL").protocol()).isEqualTo(SecurityProtocol.SASL_SSL);
        assertThat(listeners.interBroker().name()).isEqualTo("PLAINTEXT");
    }

    @Test
    void aSecuredListenerMayCarryInterBrokerTraffic() {
        // when: a node whose only listener is SASL_SSL, and one that names its SSL listener
        Listeners only = parse("SASL_SSL://h:2", null, null, null);
        Listeners named = parse("PLAINTEXT://h:1,SSL://h:2", null, null, "ssl");

        // then
        assertThat(only.interBroker().protocol()).isEqualTo(SecurityProtocol.SASL_SSL);
        assertThat(named.interBroker().name()).isEqualTo("SSL");
    }

    @Test
    void customNamesTakeTheirProtocolFromTheMap() {
        // when
        Listeners listeners = parse("internal://h:1,EXTERNAL://h:2", "EXTERNAL://public.example:443",
                "INTERNAL:PLAINTEXT,EXTERNAL:SSL", "internal");

        // then
        assertThat(listeners.bound("EXTERNAL").protocol()).isEqualTo(SecurityProtocol.SSL);
        assertThat(listeners.advertised("EXTERNAL").host()).isEqualTo("public.example");
        assertThat(listeners.advertised("INTERNAL").host()).isEqualTo("h"); // not advertised: its own address
        assertThat(listeners.interBroker().name()).isEqualTo("INTERNAL");
    }

    @Test
    void withoutPlaintextNameTheFirstListenerIsInterBroker() {
        assertThat(parse("A://h:1,SSL://h:2", null, "A:PLAINTEXT,SSL:SSL", null).interBroker().name())
                .isEqualTo("A");
    }

    @Test
    void controllerListenersOfAKafkaConfigurationAreLeftOut() {
        Listeners listeners = Listeners.parse("PLAINTEXT://h:1,CONTROLLER://h:2", null,
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT", null, "CONTROLLER");
        assertThat(listeners.bound()).extracting(Listeners.Endpoint::name).containsExactly("PLAINTEXT");
    }

    @Test
    void badListenersAreRefusedNamingTheProperty() {
        assertThatThrownBy(() -> parse("FOO://h:1", null, null, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listener.security.protocol.map");
        assertThatThrownBy(() -> parse("PLAINTEXT://h:1,PLAINTEXT://h:2", null, null, null))
                .hasMessageContaining("listeners").hasMessageContaining("different name");
        assertThatThrownBy(() -> parse("PLAINTEXT://h:1,SSL://h:1", null, null, null))
                .hasMessageContaining("different port");
        assertThatThrownBy(() -> parse("PLAINTEXT://h:1", "SSL://h:2", null, null))
                .hasMessageContaining("advertised.listeners");
        assertThatThrownBy(() -> parse("localhost:9092", null, null, null))
                .hasMessageContaining("NAME://host:port");
    }

    @Test
    void theInterBrokerListenerMustBeOneOfTheListeners() {
        assertThatThrownBy(() -> parse("PLAINTEXT://h:1", null, null, "OTHER"))
                .hasMessageContaining("not one of listeners");
    }
}
