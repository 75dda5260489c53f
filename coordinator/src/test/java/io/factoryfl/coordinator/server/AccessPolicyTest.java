package io.factoryfl.coordinator.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.factoryfl.core.security.PeerIdentity;
import io.factoryfl.core.security.Role;
import io.factoryfl.proto.v1.AdminGrpc;
import io.factoryfl.proto.v1.AuditGrpc;
import io.factoryfl.proto.v1.EnrolmentGrpc;
import io.factoryfl.proto.v1.FleetGrpc;
import io.grpc.MethodDescriptor;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

  private final AccessPolicy policy = AccessPolicy.standard();

  @Test
  void everyExistingMethod_isOpenToSomeRole() {
    for (var service : List.of(FleetGrpc.getServiceDescriptor(), AdminGrpc.getServiceDescriptor(),
        AuditGrpc.getServiceDescriptor(), EnrolmentGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        assertFalse(policy.rolesFor(method.getFullMethodName()).isEmpty(),
            method.getFullMethodName() + " has no rule, so nobody could call it");
      }
    }
  }

  @Test
  void table_matchesTheRoleModel() {
    for (MethodDescriptor<?, ?> method : FleetGrpc.getServiceDescriptor().getMethods()) {
      assertEquals(Set.of(Role.PARTICIPANT), policy.rolesFor(method.getFullMethodName()));
    }
    assertEquals(Set.of(Role.ADMIN), policy.rolesFor("factoryfl.v1.Admin/SubmitJob"));
    assertEquals(Set.of(Role.ADMIN), policy.rolesFor("factoryfl.v1.Admin/CancelJob"));
    for (String read : new String[] {"GetJob", "ListJobs", "WatchJob", "DownloadGlobalModel",
        "ListParticipants"}) {
      assertEquals(Set.of(Role.ADMIN, Role.AUDITOR), policy.rolesFor("factoryfl.v1.Admin/" + read));
    }
    for (MethodDescriptor<?, ?> method : AuditGrpc.getServiceDescriptor().getMethods()) {
      assertEquals(Set.of(Role.ADMIN, Role.AUDITOR), policy.rolesFor(method.getFullMethodName()));
    }
    assertEquals(EnumSet.allOf(Role.class), policy.rolesFor("factoryfl.v1.Enrolment/Renew"));
    assertTrue(policy.allowsAnonymous("factoryfl.v1.Enrolment/Enrol"));
    assertFalse(policy.allowsAnonymous("factoryfl.v1.Enrolment/Renew"));
    assertFalse(policy.allowsAnonymous("factoryfl.v1.Fleet/Register"));
    assertEquals(EnumSet.allOf(Role.class), policy.rolesFor("grpc.health.v1.Health/Check"));
    assertEquals(EnumSet.allOf(Role.class), policy.rolesFor("grpc.health.v1.Health/Watch"));
    assertTrue(policy.allowsAnonymous("grpc.health.v1.Health/Check"));
    assertFalse(policy.allowsAnonymous("grpc.health.v1.Health/Watch"));
  }

  @Test
  void unknownMethods_areOpenToNobody() {
    PeerIdentity alice = new PeerIdentity("alice", Role.ADMIN);

    assertEquals(Optional.of("method factoryfl.v1.Admin/DeleteEverything is not open to any role"
        + " on this coordinator; 'alice' has the admin role"),
        policy.denial("factoryfl.v1.Admin/DeleteEverything", alice));
    assertTrue(policy.rolesFor("factoryfl.v1.Fleetish/Register").isEmpty());
    assertTrue(policy.rolesFor("no-slash").isEmpty());
  }

  @Test
  void denial_namesTheMethodTheNeededRoleAndTheCallersRole() {
    assertEquals(Optional.of("method factoryfl.v1.Audit/VerifyLog needs the admin or auditor"
        + " role; 'plant-1' has the participant role"),
        policy.denial("factoryfl.v1.Audit/VerifyLog", new PeerIdentity("plant-1",
            Role.PARTICIPANT)));
    assertEquals(Optional.empty(), policy.denial("factoryfl.v1.Audit/VerifyLog",
        new PeerIdentity("carol", Role.AUDITOR)));
  }
}
