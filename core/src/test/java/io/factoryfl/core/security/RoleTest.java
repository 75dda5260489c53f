package io.factoryfl.core.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoleTest {

  @Test
  void parse_acceptsEveryWireNameIgnoringCase() {
    for (Role role : Role.values()) {
      assertEquals(role, Role.parse(role.wireName()));
      assertEquals(role, Role.parse(" " + role.wireName().toUpperCase() + " "));
    }
  }

  @Test
  void wireName_isLowerCase() {
    assertEquals("participant", Role.PARTICIPANT.wireName());
    assertEquals("coordinator", Role.COORDINATOR.wireName());
  }

  @Test
  void parse_rejectsUnknownRoleNamingValueAndAllowedRoles() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Role.parse("superuser"));
    assertEquals("unknown role 'superuser'; expected one of participant, admin, auditor,"
        + " coordinator", e.getMessage());
  }

  @Test
  void parse_rejectsNull() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Role.parse(null));
    assertTrue(e.getMessage().startsWith("unknown role 'null'"), e.getMessage());
  }
}
