package io.factoryfl.coordinator.server;

import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.FleetGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthGrpc;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which roles may call which RPC: the one table behind every role decision, applied by
 * {@link AuthenticationInterceptor} before any service code runs.
 *
 * <p>Rules name either one method ({@code factoryfl.v1.Admin/SubmitJob}) or every method of a
 * service ({@code factoryfl.v1.Fleet/*}); a method rule wins over its service's rule. A method
 * no rule names is open to nobody, so a new RPC stays closed until someone decides who may call
 * it. Two methods may be called without a certificate: {@code Enrolment/Enrol}, whose callers
 * have none yet, and the standard health check {@code grpc.health.v1.Health/Check}, so that a
 * probe or load balancer that speaks TLS but holds no federation identity (grpc_health_probe,
 * an Envoy health check) can ask whether the coordinator serves; the answer is only SERVING or
 * NOT_SERVING. The connection is TLS 1.3 either way (the port speaks nothing else);
 * {@code Health/Watch}, a stream that stays open, needs a certificate of any role.
 *
 * <p>The {@link #standard()} table:
 * <pre>
 *   factoryfl.v1.Fleet/*                         participant
 *   factoryfl.v1.Admin/SubmitJob, CancelJob      admin
 *   factoryfl.v1.Admin/GetJob, ListJobs, WatchJob,
 *     DownloadGlobalModel, ListParticipants      admin, auditor
 *   factoryfl.v1.Audit/*                         auditor, admin
 *   factoryfl.v1.Enrolment/Enrol                 anyone, with or without a certificate
 *   factoryfl.v1.Enrolment/Renew                 any role (with a certificate)
 *   factoryfl.v1.Enrolment/GetRevocationList     any role (with a certificate)
 *   grpc.health.v1.Health/Check                  anyone, with or without a certificate
 *   grpc.health.v1.Health/*                      any role (with a certificate)
 * </pre>
 * Instances are immutable.
 */
public final class AccessPolicy {

  /** The service auditors read; its methods arrive later, the rule applies already. */
  static final String AUDIT_SERVICE = "factoryfl.v1.Audit";

  private final Map<String, Set<Role>> rules;
  private final Set<String> anonymous;

  private AccessPolicy(Map<String, Set<Role>> rules, Set<String> anonymous) {
    this.rules = Map.copyOf(rules);
    this.anonymous = Set.copyOf(anonymous);
  }

  /** The coordinator's policy; see the class comment. */
  public static AccessPolicy standard() {
    Map<String, Set<Role>> rules = new HashMap<>();
    rules.put(FleetGrpc.SERVICE_NAME + "/*", EnumSet.of(Role.PARTICIPANT));
    for (MethodDescriptor<?, ?> write : new MethodDescriptor<?, ?>[] {
        AdminGrpc.getSubmitJobMethod(), AdminGrpc.getCancelJobMethod()}) {
      rules.put(write.getFullMethodName(), EnumSet.of(Role.ADMIN));
    }
    for (MethodDescriptor<?, ?> read : new MethodDescriptor<?, ?>[] {
        AdminGrpc.getGetJobMethod(), AdminGrpc.getListJobsMethod(), AdminGrpc.getWatchJobMethod(),
        AdminGrpc.getDownloadGlobalModelMethod(), AdminGrpc.getListParticipantsMethod()}) {
      rules.put(read.getFullMethodName(), EnumSet.of(Role.ADMIN, Role.AUDITOR));
    }
    rules.put(AUDIT_SERVICE + "/*", EnumSet.of(Role.AUDITOR, Role.ADMIN));
    String enrol = EnrolmentGrpc.getEnrolMethod().getFullMethodName();
    rules.put(enrol, EnumSet.allOf(Role.class));
    rules.put(EnrolmentGrpc.getRenewMethod().getFullMethodName(), EnumSet.allOf(Role.class));
    rules.put(EnrolmentGrpc.getGetRevocationListMethod().getFullMethodName(),
        EnumSet.allOf(Role.class));
    rules.put(HealthGrpc.SERVICE_NAME + "/*", EnumSet.allOf(Role.class));
    String healthCheck = HealthGrpc.getCheckMethod().getFullMethodName();
    rules.put(healthCheck, EnumSet.allOf(Role.class));
    return new AccessPolicy(rules, Set.of(enrol, healthCheck));
  }

  /** Whether {@code fullMethodName} may be called without a client certificate. */
  public boolean allowsAnonymous(String fullMethodName) {
    return anonymous.contains(fullMethodName);
  }

  /** The roles that may call {@code fullMethodName}; empty if none may. */
  public Set<Role> rolesFor(String fullMethodName) {
    Objects.requireNonNull(fullMethodName, "fullMethodName");
    Set<Role> roles = rules.get(fullMethodName);
    if (roles == null) {
      int slash = fullMethodName.indexOf('/');
      roles = slash < 0 ? null : rules.get(fullMethodName.substring(0, slash) + "/*");
    }
    return roles == null ? Set.of() : roles;
  }

  /**
   * Why {@code caller} may not call {@code fullMethodName}, or empty if it may. The reason
   * names the method, the role it needs and the caller's, e.g. {@code method
   * factoryfl.v1.Admin/SubmitJob needs the admin role; 'bob' has the auditor role}.
   */
  public Optional<String> denial(String fullMethodName, PeerIdentity caller) {
    Objects.requireNonNull(caller, "caller");
    Set<Role> roles = rolesFor(fullMethodName);
    if (roles.contains(caller.role())) {
      return Optional.empty();
    }
    if (roles.isEmpty()) {
      return Optional.of("method " + fullMethodName + " is not open to any role on this"
          + " coordinator; '" + caller.name() + "' has the " + caller.role().wireName()
          + " role");
    }
    String needed = Arrays.stream(Role.values()).filter(roles::contains).map(Role::wireName)
        .collect(Collectors.joining(" or "));
    return Optional.of("method " + fullMethodName + " needs the " + needed + " role; '"
        + caller.name() + "' has the " + caller.role().wireName() + " role");
  }
}
