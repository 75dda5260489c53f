package io.factoryfl.core.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's first configuration in every FactoryFL process (found through
 * {@code META-INF/services}): text on standard error at the level of
 * {@value Logging#LEVEL_PROPERTY} (default {@code info}), instead of Logback's DEBUG fallback.
 * Steps aside when the operator gave {@code -Dlogback.configurationFile}.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DefaultLogging extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setTarget("System.err");
    ch.qos.logback.classic.Level level;
    try {
      level = Logging.level("info");
    } catch (IllegalArgumentException e) {
      // the main's Logging.configure says so; here, before any flag is read, just carry on
      level = ch.qos.logback.classic.Level.INFO;
    }
    Logging.install(context, console, LogFormat.TEXT, level);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
