package io.cairn.server;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Cairn's default logging, set up in code (found by logback through {@code META-INF/services}): parsing an
 * XML configuration costs a few hundred milliseconds of start-up (an XML parser and logback's Joran model,
 * several hundred classes), more than a node needs before it serves. Console output, INFO (or the level in
 * {@code CAIRN_LOG_LEVEL}), Kafka's and Ratis's chatter at WARN. Lines read as the pattern {@link #PATTERN}
 * would print them, laid out by {@link ConsoleLayout} rather than logback's PatternLayout, whose converter
 * registry and pattern parser cost another hundred classes and as many lambdas at start-up.
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
        ConsoleLayout layout = new ConsoleLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
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
        // Ratis 3.2 logs every failed connection attempt to a down peer as an ERROR with a stack trace (dozens a
        // second); a failure that matters to Cairn surfaces through its own checks (start-up, LeaderlessWatch).
        context.getLogger("org.apache.ratis.util.LifeCycle").setLevel(Level.OFF);
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

    /** Lays out an event as {@link #PATTERN} does: time, level, the logger's simple name, message, stack trace. */
    static final class ConsoleLayout extends LayoutBase<ILoggingEvent> {

        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
                .withZone(ZoneId.systemDefault());

        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(128);
            TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), line);
            String level = event.getLevel().toString();
            line.append(' ').append(level);
            for (int i = level.length(); i < 5; i++) {
                line.append(' ');
            }
            String logger = event.getLoggerName();
            line.append(' ').append(logger, logger.lastIndexOf('.') + 1, logger.length())
                    .append(" - ").append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                line.append(ThrowableProxyUtil.asString(thrown));
            }
            return line.toString();
        }
    }
}
