package io.cairn.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link TlsListenerTests} with the listeners on OpenSSL's engine ({@code cairn.ssl.engine=openssl}, netty-tcnative):
 * the same clients, client certificates, SASL over TLS and refusals as with the JDK's.
 */
class OpenSslTlsListenerIT extends TlsListenerTests {

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), () -> "OpenSSL is not available here: " + OpenSsl.unavailabilityCause());
        startWith(ListenerTls.ENGINE_OPENSSL);
    }
}
