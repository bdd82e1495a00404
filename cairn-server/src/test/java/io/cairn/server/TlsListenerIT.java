package io.cairn.server;

import org.junit.jupiter.api.BeforeAll;

/** {@link TlsListenerTests} with the listeners on the JDK's engine ({@code cairn.ssl.engine=jdk}, the default). */
class TlsListenerIT extends TlsListenerTests {

    @BeforeAll
    static void start() throws Exception {
        startWith(ListenerTls.ENGINE_JDK);
    }
}
