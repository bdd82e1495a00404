package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

/** Cairn's console layout prints exactly what logback's PatternLayout prints for {@link LogConfigurator#PATTERN}. */
class ConsoleLayoutTest {

    private final LoggerContext context = new LoggerContext();

    private LoggingEvent event(String loggerName, Level level, String message, Throwable thrown, Object... args) {
        Logger logger = context.getLogger(loggerName);
        return new LoggingEvent(Logger.class.getName(), logger, level, message, thrown, args);
    }

    @Test
    void linesMatchThePattern() {
        PatternLayout pattern = new PatternLayout();
        pattern.setContext(context);
        pattern.setPattern(LogConfigurator.PATTERN);
        pattern.start();
        LogConfigurator.ConsoleLayout layout = new LogConfigurator.ConsoleLayout();
        layout.setContext(context);
        layout.start();

        IllegalStateException failure = new IllegalStateException("outer",
                new java.io.IOException("inner cause"));
        List<LoggingEvent> events = List.of(
                event("io.cairn.server.CairnNode", Level.INFO, "[node {}] started in {} ms", null, 1, 842),
                event("io.cairn.broker.Partition", Level.WARN, "no arguments", null),
                event("rootLogger", Level.ERROR, "failed: {}", failure, "x"),
                event("a.b.C", Level.DEBUG, "debug", null),
                event("a.b.C", Level.TRACE, "trace {}", null, (Object) null));

        for (LoggingEvent e : events) {
            assertThat(layout.doLayout(e)).isEqualTo(pattern.doLayout(e));
        }
    }
}
