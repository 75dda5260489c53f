package io.factoryfl.coordinator.enrol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.factoryfl.core.security.Role;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One call of the Enrolment service as the enrolment audit log records it. It holds no part of
 * the enrolment token but the site name the token claims, and that only once the token has the
 * form {@code SITE:SECRET} with a valid name, so a secret pasted into the wrong place is never
 * recorded either.
 *
 * @param time when the call was answered, from the service's clock
 * @param method {@code enrol} or {@code renew}
 * @param peer the caller's network address (for IPv6 its /64 network), see {@link RemotePeer}
 * @param site the name the token or the certificate claims; null when not known
 * @param role the role the token or certificate carries; null when not known (unknown token)
 * @param outcome what the service answered, with a fixed reason code
 */
record EnrolmentAttempt(Instant time, String method, String peer, String site, Role role,
    Outcome outcome) {

  /** The closed set of answers, each with its outcome class and reason code. */
  enum Outcome {
    ENROLLED("enrolled", "ok"),
    RENEWED("renewed", "ok"),
    THROTTLED("throttled", "too_many_failures"),
    MALFORMED_TOKEN("refused", "malformed_token"),
    UNKNOWN_TOKEN("refused", "unknown_token"),
    USED_TOKEN("refused", "used_token"),
    EXPIRED_TOKEN("refused", "expired_token"),
    NAME_MISMATCH("refused", "name_mismatch"),
    REVOKED_NAME("refused", "revoked_name"),
    BAD_REQUEST("refused", "bad_request"),
    NOT_AUTHENTICATED("refused", "not_authenticated"),
    OTHER_NAME("refused", "other_name"),
    COORDINATOR_ROLE("refused", "coordinator_role"),
    CA_EXPIRED("failed", "ca_expired"),
    STORE_FAILURE("failed", "store_failure"),
    INTERNAL_ERROR("failed", "internal_error");

    private final String outcome;
    private final String reason;

    Outcome(String outcome, String reason) {
      this.outcome = outcome;
      this.reason = reason;
    }

    /** enrolled, renewed, refused (the caller's fault), throttled or failed (the CA's fault). */
    String outcome() {
      return outcome;
    }

    /** The fixed reason code, e.g. {@code unknown_token}. */
    String reason() {
      return reason;
    }

    /**
     * Whether it counts against the caller's failure budget: every refusal does; a success, a
     * throttled call (which was not checked) and a fault of the CA do not.
     */
    boolean isFailure() {
      return outcome.equals("refused");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** As {@code PeerIdentity} names: nothing else can come from a parsed token. */
  private static final Pattern SITE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** The longest peer text kept; an IPv6 address with scope fits. */
  static final int MAX_PEER_CHARS = 64;

  EnrolmentAttempt {
    Objects.requireNonNull(time, "time");
    if (!method.equals("enrol") && !method.equals("renew")) {
      throw new IllegalArgumentException("method must be enrol or renew, got '" + method + "'");
    }
    Objects.requireNonNull(peer, "peer");
    if (peer.length() > MAX_PEER_CHARS) {
      peer = peer.substring(0, MAX_PEER_CHARS);
    }
    if (site != null && !SITE.matcher(site).matches()) {
      throw new IllegalArgumentException("site is not an identity name (" + site.length()
          + " characters)");
    }
    Objects.requireNonNull(outcome, "outcome");
  }

  /** This attempt as one line of JSON, without the line break. */
  String toJsonLine() {
    ObjectNode node = JSON.createObjectNode();
    node.put("time", time.toString());
    node.put("method", method);
    node.put("peer", peer);
    node.put("site", site);
    node.put("role", role == null ? null : role.wireName());
    node.put("outcome", outcome.outcome());
    node.put("reason", outcome.reason());
    return node.toString();
  }
}
