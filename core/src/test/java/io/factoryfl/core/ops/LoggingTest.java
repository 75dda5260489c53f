package io.factoryfl.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LoggingTest {
  private final Logger log = LoggerFactory.getLogger("io.factoryfl.test.Plant");

  @AfterEach
  void restoreTheDefault() {
    new DefaultLogging().configure((LoggerContext) LoggerFactory.getILoggerFactory());
  }

  @Test
  void json_writesOneParseableObjectPerLine() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Logging.configure(LogFormat.JSON, "warn", out);
    log.warn("site 'plant-3' registered");
    log.warn("a message with \"quotes\",\nnew lines\tand tabs");
    log.error("upload failed", new IllegalStateException("disk full: /var/lib/factoryfl"));
    log.info("below the level: not written");

    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList();
    assertEquals(3, lines.size(), "one line per event written");
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertEquals("WARN", first.get("level").asText());
    assertEquals("io.factoryfl.test.Plant", first.get("loggerName").asText());
    assertEquals("site 'plant-3' registered", first.get("formattedMessage").asText());
    assertTrue(first.get("timestamp").asLong() > 0);
    assertEquals("a message with \"quotes\",\nnew lines\tand tabs",
        json.readTree(lines.get(1)).get("formattedMessage").asText());
    JsonNode failure = json.readTree(lines.get(2));
    assertEquals("ERROR", failure.get("level").asText());
    assertEquals("disk full: /var/lib/factoryfl", failure.get("throwable").get("message").asText());
  }

  @Test
  void text_writesOneLineWithLevelLoggerAndMessage() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Logging.configure(LogFormat.TEXT, "warn", out);
    log.info("below the level: not written");
    log.warn("site policy edit rejected");

    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.matches("\\S+ WARN  \\[[^]]+] io\\.factoryfl\\.test\\.Plant - site policy edit rejected\\R"), text);
    assertFalse(text.contains("not written"));
  }

  @Test
  void parse_refusesAnUnknownFormatNamingIt() {
    assertEquals(LogFormat.JSON, LogFormat.parse("json"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogFormat.parse("xml"));
    assertEquals("--log-format was 'xml'; use text or json", e.getMessage());
  }

  @Test
  void configure_withAnUnknownLevel_usesTheDefaultInsteadOfFailing() {
    String before = System.getProperty(Logging.LEVEL_PROPERTY);
    try {
      System.setProperty(Logging.LEVEL_PROPERTY, "loud");
      Logging.configure(LogFormat.TEXT, "warn");
      ch.qos.logback.classic.Logger root =
          (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
      assertEquals(ch.qos.logback.classic.Level.WARN, root.getLevel());
    } finally {
      restore(before);
    }
  }

  private static void restore(String level) {
    if (level == null) {
      System.clearProperty(Logging.LEVEL_PROPERTY);
    } else {
      System.setProperty(Logging.LEVEL_PROPERTY, level);
    }
  }

  @Test
  void level_comesFromThePropertyOverTheDefault() {
    String before = System.getProperty(Logging.LEVEL_PROPERTY);
    try {
      System.setProperty(Logging.LEVEL_PROPERTY, "error");
      assertEquals(ch.qos.logback.classic.Level.ERROR, Logging.level("info"));
      System.setProperty(Logging.LEVEL_PROPERTY, "loud");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Logging.level("info"));
      assertTrue(e.getMessage().startsWith("-Dfactoryfl.log.level was 'loud'"), e.getMessage());
    } finally {
      restore(before);
    }
  }
}
