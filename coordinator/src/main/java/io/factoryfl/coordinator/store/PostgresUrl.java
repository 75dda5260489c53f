package io.factoryfl.coordinator.store;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a PostgreSQL store is and as whom to connect, from a libpq-style URL:
 * {@code postgresql://[user[:password]@]host[:port]/database[?param=value&...]} (also {@code
 * postgres://}; user and password percent-encoded; port 5432 by default). The parameters go to the
 * PostgreSQL JDBC driver as they are (for example {@code sslmode=verify-full&sslrootcert=ca.pem}).
 *
 * <p>The password is kept apart from everything that is shown: {@link #toString()} and {@link
 * #redacted()} never contain it, and neither do the messages of a malformed URL. It comes from the
 * URL, or a password file, or the {@code PGPASSWORD} environment variable ({@link
 * #withPasswordFrom}).
 */
public final class PostgresUrl {
  static final int DEFAULT_PORT = 5432;
  static final String PASSWORD_ENVIRONMENT = "PGPASSWORD";
  private static final String FORMAT = "postgresql://[user[:password]@]host[:port]/database[?param=value&...]";
  /**
   * A password in a URL: from the colon after the user up to the last {@code @}, so one holding an
   * unencoded {@code /} or {@code @} is hidden too (hiding more than the password is the safe error).
   */
  private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(://[^/@:]*):.*@");

  private final String host;
  private final int port;
  private final String database;
  private final String user;
  private final String password;
  private final Map<String, String> parameters;

  private PostgresUrl(String host, int port, String database, String user, String password,
      Map<String, String> parameters) {
    this.host = host;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /**
   * Parses {@code url}.
   *
   * @throws IllegalArgumentException saying what is wrong with it and the expected format; the
   *     message shows the URL without its password
   */
  public static PostgresUrl parse(String url) {
    Objects.requireNonNull(url, "url");
    String shown = redact(url);
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      // the reason only: the input (e.getInput()) may hold the password
      throw invalid(shown, "it is not a URL (" + e.getReason() + "; write a '%' or '@' in a user or password as"
          + " %25 or %40)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
      throw invalid(shown, "it must start with postgresql:// (or postgres://)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw invalid(shown, "it names no host (a single host name or address is supported)");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.length() <= 1 || path.indexOf('/', 1) >= 0) {
      throw invalid(shown, "it names no database (the path after the host must be /<database>)");
    }
    String database = decode(path.substring(1));
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String info = uri.getRawUserInfo();
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(info.substring(colon + 1));
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
      for (String pair : uri.getRawQuery().split("&")) {
        int equals = pair.indexOf('=');
        if (equals <= 0) {
          throw invalid(shown, "its parameter '" + (equals < 0 ? pair : "") + "' is not name=value");
        }
        parameters.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
      }
    }
    String queryUser = parameters.remove("user");
    String queryPassword = parameters.remove("password");
    if ((queryUser != null && user != null) || (queryPassword != null && password != null)) {
      throw invalid(shown, "it gives the user or the password twice (before the host and as a parameter)");
    }
    user = user != null ? user : queryUser;
    password = password != null ? password : queryPassword;
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    return new PostgresUrl(uri.getHost(), port, database, user == null || user.isEmpty() ? null : user,
        password, parameters);
  }

  /**
   * This URL with the password from, in that order: the URL itself, {@code passwordFile} (its
   * first line), or the {@code PGPASSWORD} variable of {@code environment}; none is fine too (trust
   * or certificate authentication).
   *
   * @param passwordFile null if none was given
   * @throws IllegalArgumentException if the URL has a password and a file is given too, or the
   *     file cannot be read
   */
  public PostgresUrl withPasswordFrom(Path passwordFile, Map<String, String> environment) {
    if (passwordFile != null) {
      if (password != null) {
        throw new IllegalArgumentException("the store URL " + redacted() + " has a password and --store-password-file"
            + " gives one too; give it in one place only (the file keeps it out of the process list)");
      }
      String line;
      try {
        line = Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the store password file " + passwordFile.toAbsolutePath()
            + " (" + e.getClass().getSimpleName() + "); check that it exists and the coordinator's user may read it",
            e);
      }
      if (line.isEmpty()) {
        throw new IllegalArgumentException("the store password file " + passwordFile.toAbsolutePath()
            + " is empty; put the database password on its first line");
      }
      return withPassword(line);
    }
    if (password == null && environment.get(PASSWORD_ENVIRONMENT) != null) {
      return withPassword(environment.get(PASSWORD_ENVIRONMENT));
    }
    return this;
  }

  private PostgresUrl withPassword(String password) {
    return new PostgresUrl(host, port, database, user, password, parameters);
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String database() {
    return database;
  }

  /** The user to connect as; empty to let the driver choose (the operating system user). */
  public Optional<String> user() {
    return Optional.ofNullable(user);
  }

  /** The password; only for the connection pool, never to be shown or logged. */
  Optional<String> password() {
    return Optional.ofNullable(password);
  }

  /** The driver parameters of the URL (without user and password). */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** The server and database, {@code host:port/database}: what an operator has to bring back. */
  public String server() {
    return hostForUrl() + ":" + port + "/" + database;
  }

  /** The JDBC URL for the PostgreSQL driver, without user and password. */
  public String jdbcUrl() {
    String query = parameters.entrySet().stream()
        .map(p -> encode(p.getKey()) + "=" + encode(p.getValue()))
        .collect(Collectors.joining("&"));
    return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + encode(database)
        + (query.isEmpty() ? "" : "?" + query);
  }

  /** The URL as it can be shown: the user but never the password, nor parameters about passwords. */
  public String redacted() {
    String query = parameters.entrySet().stream()
        .filter(p -> !p.getKey().toLowerCase(Locale.ROOT).contains("password"))
        .map(p -> p.getKey() + "=" + p.getValue())
        .collect(Collectors.joining("&"));
    return "postgresql://" + (user == null ? "" : user + "@") + server() + (query.isEmpty() ? "" : "?" + query);
  }

  @Override
  public String toString() {
    return redacted();
  }

  private String hostForUrl() {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** {@code url} with whatever stands between ':' and '@' after the scheme replaced by ***. */
  static String redact(String url) {
    String withoutUserInfo = USER_INFO_PASSWORD.matcher(url).replaceFirst("$1:***@");
    return withoutUserInfo.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  private static IllegalArgumentException invalid(String shown, String reason) {
    return new IllegalArgumentException("the store URL " + shown + " is not valid: " + reason + ". Expected "
        + FORMAT + ", for example postgresql://factoryfl@db.plant.example:5432/factoryfl");
  }

  /** Decodes a part that {@link URI} checked already: its %-escapes are well formed. */
  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
