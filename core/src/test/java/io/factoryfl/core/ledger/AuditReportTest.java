package io.factoryfl.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditReportTest {

  @TempDir Path tmp;

  private String report(LedgerFixture fx) throws IOException {
    Path html = tmp.resolve("out/report.html");
    AuditReport.write(fx.ledger, html);
    return Files.readString(html, StandardCharsets.UTF_8);
  }

  @Test
  void report_showsEveryRoundOfEveryJob() throws IOException {
    String html = report(LedgerFixture.create(tmp).writeStandard());

    for (int round = 1; round <= 3; round++) {
      assertTrue(html.contains("<li class=\"round closed\" data-job=\"job-1\" data-round=\""
          + round + "\">"), "round " + round);
    }
    assertTrue(html.contains("data-job=\"job-2\" data-round=\"1\""), "the cancelled job's round");
    assertTrue(html.contains("<meta name=\"factoryfl-rounds\" content=\"job-1:1 job-1:2 job-1:3"
        + " job-2:1\">"), html.substring(0, 600));
  }

  @Test
  void report_showsCohortDropoutsRefusalsPrivacyParametersAndModelHashes() throws IOException {
    String html = report(LedgerFixture.create(tmp).writeStandard());

    assertTrue(html.contains("Cohort (4)</th><td>plant-1, plant-2, plant-3, plant-4"));
    assertTrue(html.contains("Dropouts (1)</th><td>plant-4 at collect_updates (deadline"
        + " passed)"));
    assertTrue(html.contains("site policy requires secure aggregation with at least 5 sites"));
    assertTrue(html.contains("only 1 of 4 sites answered; 3 needed"), "the failed attempt");
    assertTrue(html.contains("<th>neighbours</th><th>threshold</th>")
        || html.contains("<th>threshold</th>"), "privacy parameter columns");
    assertTrue(html.contains(LedgerFixture.hash("model after round 3")), "final model hash");
    assertTrue(html.contains("data-metric=\"train_loss\""), "train loss chart");
    assertTrue(html.contains("data-metric=\"evaluation roc_auc\""), "evaluation chart");
    assertTrue(html.contains("cancel"), "admin action");
    assertTrue(html.contains("Dropped outside training: plant-2 at eval (dropped: connection"
        + " reset)"), "evaluation dropout");
    assertTrue(html.contains("<td>plant-3</td><td>stats</td><td>timed_out: no answer in 30 s"),
        "stats dropout");
    assertTrue(html.contains("class=\"ok\">Hash chain and record rules hold for all 36 records"));
  }

  @Test
  void report_leavesRecordsAfterTheLastSignatureOutOfTheRoundsAndListsThemAsNotVerified()
      throws IOException {
    LedgerFixture fx = LedgerFixture.create(tmp).writeStandard();
    // a forger appends a fake round 4 of job-1, contributor mallory, after the signed end
    List<String> lines = Files.readAllLines(fx.ledger, StandardCharsets.UTF_8);
    String prev = LedgerFixture.hash(lines.get(lines.size() - 1));
    String fake = CanonicalJson.write(new java.util.TreeMap<>(Map.of("job_id", "job-1",
        "round", 4, "attempt", 0, "cohort", List.of("mallory"), "prev", prev,
        "seq", lines.size() + 1, "time", LedgerFixture.T0.plusSeconds(9000).toString(),
        "type", "round_opened")), "round_opened");
    Files.writeString(fx.ledger, fake + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);

    String html = report(fx);

    assertFalse(html.contains("data-round=\"4\""), "the fake round is not shown as a round");
    assertTrue(html.contains("<meta name=\"factoryfl-rounds\" content=\"job-1:1 job-1:2 job-1:3"
        + " job-2:1\">"));
    assertTrue(html.contains("data-unsigned=\"1\"><strong>1 record (record 37 (line 37)) comes"
        + " after the last signed record (line 36) and is not verified."), html);
    int section = html.indexOf("<h2>Unsigned records (not verified)</h2>");
    assertTrue(section > 0, "the unsigned records are listed apart");
    assertTrue(html.indexOf("mallory") > section, "mallory appears only in the unsigned section");
    assertTrue(html.substring(section).contains("<td>37</td>"));
    assertTrue(html.contains("Records</dt><dd>37 (6 signed by the coordinator; the last 1"
        + " unsigned, not verified)"), html.substring(0, 2000));
  }

  @Test
  void report_isSelfContained() throws IOException {
    String html = report(LedgerFixture.create(tmp).writeStandard()).toLowerCase(Locale.ROOT);

    assertFalse(html.contains("http://"), "no http:// reference");
    assertFalse(html.contains("https://"), "no https:// reference");
    assertFalse(html.contains("<script"), "no scripts at all");
    assertFalse(html.contains("@import") || html.contains("url("), "no external CSS");
    assertFalse(html.contains("<link"), "no linked resources");
    assertFalse(html.contains("<img"), "no images");
    assertTrue(html.contains("<svg"), "charts are inline SVG");
  }

  @Test
  void report_escapesLedgerContent() throws IOException {
    LedgerFixture fx = LedgerFixture.create(tmp);
    try (LedgerWriter w = LedgerWriter.open(fx.ledger, fx.coordinator, fx.clock)) {
      w.append("job_submitted", Map.of("job_id", "j\"><script src=x>", "name",
          "<img src=https://evil.example/x.png>", "spec_hash", "h", "by", "mallory"));
      w.append("refusal", Map.of("job_id", "j\"><script src=x>", "round", 1, "participant",
          "p", "reason", "</td><script>alert(1)</script>"));
    }
    String html = report(fx);
    assertFalse(html.contains("<script"), html);
    assertFalse(html.contains("<img"), html);
    assertTrue(html.contains("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  }

  @Test
  void report_flagsABrokenChainButStillRendersTheRest() throws IOException {
    LedgerFixture fx = LedgerFixture.create(tmp).writeStandard();
    List<String> lines = Files.readAllLines(fx.ledger);
    lines.remove(10);
    Files.writeString(fx.ledger, String.join("\n", lines) + "\n");

    String html = report(fx);

    assertTrue(html.contains("<p class=\"bad\"><strong>This ledger does not check:</strong>"
        + " record 11 (line 11) is missing"), html);
    assertTrue(html.contains("data-round=\"3\""));
  }

  /**
   * Opens the report in a real headless Chromium and checks the rendered DOM shows every round.
   * Skipped where no Chromium is installed (Debian: apt-get install chromium); the script
   * scripts/check-report-in-browser.sh does the same from the command line.
   */
  @Test
  void report_rendersEveryRoundInHeadlessChromium() throws Exception {
    String chromium = findOnPath("chromium", "chromium-browser", "google-chrome");
    assumeTrue(chromium != null, "no chromium on PATH");
    LedgerFixture fx = LedgerFixture.create(tmp).writeStandard();
    Path html = tmp.resolve("report.html");
    AuditReport.write(fx.ledger, html);
    Path profile = Files.createDirectories(tmp.resolve("chromium-profile"));

    Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
        "--dump-dom", html.toUri().toString())
        .redirectError(tmp.resolve("chromium.err").toFile())
        .start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish in 60 s");

    assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("chromium.err")));
    Matcher m = Pattern.compile("<li class=\"round [a-z]+\" data-job=\"([^\"]+)\""
        + " data-round=\"(\\d+)\"").matcher(dom);
    StringBuilder seen = new StringBuilder();
    while (m.find()) {
      seen.append(m.group(1)).append(':').append(m.group(2)).append(' ');
    }
    assertEquals("job-1:1 job-1:2 job-1:3 job-2:1", seen.toString().strip(), dom);
    assertTrue(dom.contains("<svg"), "charts rendered");
  }

  private static String findOnPath(String... names) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : names) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }
}
