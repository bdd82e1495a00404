package io.cairn.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Cairn's default logging, set up in code (found by logback through {@code META-INF/services}): parsing an
 * XML configuration costs a few hundred milliseconds of start-up (an XML parser and logback's Joran model,
 * several hundred classes), more than a node needs before it serves. Console output, INFO (or the level in
 * {@code CAIRN_LOG_LEVEL}), Kafka's and Ratis's chatter at WARN.
 *
 * <p>An XML configuration still wins when one is given: {@code -Dlogback.configurationFile=FILE}, or a
 * {@code logback.xml} / {@code logback-test.xml} on the classpath (tests); this configurator then steps aside.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = LogConfigurator.class.getClassLoader();
        if (System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder);
        console.start();

        context.getLogger("org.apache.kafka").setLevel(Level.WARN);
        context.getLogger("org.apache.ratis").setLevel(Level.WARN);
        // Several Ratis servers of one id in one JVM (tests) collide on JMX names: harmless.
        context.getLogger("org.apache.ratis.util.JmxRegister").setLevel(Level.OFF);
        // A down peer makes Ratis warn on every append retry (several a second); DescribeQuorum shows its lag.
        context.getLogger("org.apache.ratis.server.leader.LogAppender").setLevel(Level.ERROR);
        context.getLogger("io.netty").setLevel(Level.INFO);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(rootLevel(), Level.INFO));
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static String rootLevel() {
        String level = System.getProperty("CAIRN_LOG_LEVEL");
        return level != null ? level : System.getenv("CAIRN_LOG_LEVEL");
    }
}
