package io.factoryfl.core.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The one logging setup of every FactoryFL process: SLF4J with Logback behind it, one appender on
 * standard error in {@link LogFormat#TEXT} or {@link LogFormat#JSON}, and java.util.logging (gRPC's
 * and Netty's own logging) routed into SLF4J, so every line has the same format and level.
 *
 * <p>The root level comes from the system property {@value #LEVEL_PROPERTY} ({@code trace},
 * {@code debug}, {@code info}, {@code warn}, {@code error} or {@code off}), else from the
 * caller's default. Before a main calls {@link #configure}, {@link DefaultLogging} has already
 * set up text at that level, so nothing is lost or printed at DEBUG while the process starts. A
 * {@code -Dlogback.configurationFile=...} replaces all of this with the operator's own file.
 */
public final class Logging {
  /** System property naming the root log level; the launcher sets it to {@code warn}. */
  public static final String LEVEL_PROPERTY = "factoryfl.log.level";

  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";
  private static final String APPENDER = "stderr";

  private Logging() {}

  /**
   * Configures the process's logging: {@code format} on standard error, the root level from
   * {@value #LEVEL_PROPERTY} or {@code defaultLevel}, and java.util.logging bridged into SLF4J.
   * Does nothing when the operator gave {@code -Dlogback.configurationFile}. An unknown level in
   * the property is logged as a warning and {@code defaultLevel} used instead.
   */
  public static void configure(LogFormat format, String defaultLevel) {
    if (System.getProperty("logback.configurationFile") != null) {
      return;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setTarget("System.err");
    String problem = null;
    Level level;
    try {
      level = level(defaultLevel);
    } catch (IllegalArgumentException e) {
      problem = e.getMessage() + "; logging at " + defaultLevel;
      level = Level.toLevel(defaultLevel, Level.INFO);
    }
    install(context, console, format, level);
    bridgeJavaUtilLogging(context);
    if (problem != null) {
      LoggerFactory.getLogger(Logging.class).warn(problem);
    }
  }

  /** As {@link #configure}, writing to {@code out} instead of standard error (for tests). */
  static void configure(LogFormat format, String defaultLevel, OutputStream out) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setOutputStream(out);
    install(context, appender, format, level(defaultLevel));
  }

  /** The root level: the {@value #LEVEL_PROPERTY} property if set, else {@code defaultLevel}. */
  static Level level(String defaultLevel) {
    String name = System.getProperty(LEVEL_PROPERTY, defaultLevel);
    Level level = Level.toLevel(name, null);
    if (level == null) {
      throw new IllegalArgumentException("-D" + LEVEL_PROPERTY + " was '" + name
          + "'; use trace, debug, info, warn, error or off");
    }
    return level;
  }

  /** Replaces whatever the context had with one appender in {@code format} at {@code level}. */
  static void install(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender,
      LogFormat format, Level level) {
    context.reset();
    Encoder<ILoggingEvent> encoder = encoder(context, format);
    appender.setContext(context);
    appender.setName(APPENDER);
    appender.setEncoder(encoder);
    appender.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(appender);
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
    if (format == LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      // the formatted message is what people search for; the raw template and arguments repeat it
      json.setWithFormattedMessage(true);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithContext(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }

  /**
   * Sends java.util.logging records to SLF4J. The propagator copies Logback's levels onto
   * java.util.logging, so records below the level are never even created.
   */
  private static void bridgeJavaUtilLogging(LoggerContext context) {
    LevelChangePropagator propagator = new LevelChangePropagator();
    propagator.setContext(context);
    propagator.setResetJUL(true);
    propagator.start();
    context.addListener(propagator);
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }
}
