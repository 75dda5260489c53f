package io.factoryfl.participant.session;

import io.factoryfl.core.security.SigningIdentity;
import io.factoryfl.participant.data.DatasetCatalogue;
import io.factoryfl.participant.policy.PolicyCheck;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

/**
 * Everything a participant node holds about its own site: its name, data, identity signing key,
 * the federation CA, the policy plant IT set, and where it keeps its receipts.
 *
 * @param signing the identity signing key for secure aggregation, or null (secure rounds are then
 *     refused with a reason)
 * @param receiptLog the local receipt log file
 */
public record Site(String name, DatasetCatalogue catalogue, SigningIdentity signing, X509Certificate ca,
    PolicyCheck policy, Path receiptLog) {
  /**
   * The site's durable record of the masked inputs it sent (one per base model and per round),
   * beside the receipt log: {@code <receipt log name>.secagg-contributions.log}.
   */
  public Path contributionLog() {
    return ContributionLog.besideReceipts(receiptLog);
  }

  /**
   * A file the site keeps beside its receipt log: the receipt log's name without its extension,
   * then {@code suffix} (for example {@code receipts.jsonl} -> {@code receipts.peer-pins.json}).
   */
  static Path besideReceiptLog(Path receiptLog, String suffix) {
    String name = receiptLog.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return receiptLog.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + suffix);
  }
}
