package io.factoryfl.participant.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class TrainingWindowTest {
  // 2025-03-03 is a Monday.
  private static LocalDateTime at(int dayOfMarch, int hour, int minute) {
    return LocalDateTime.of(2025, 3, dayOfMarch, hour, minute);
  }

  private static final TrainingWindow WEEKDAY_NIGHTS = new TrainingWindow(
      EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(22, 0), LocalTime.of(6, 0));
  private static final TrainingWindow WEEKENDS = new TrainingWindow(
      EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), LocalTime.MIDNIGHT, LocalTime.MIDNIGHT);

  @Test
  void nightWindow_runsFromItsStartDayIntoTheNextMorning() {
    assertTrue(WEEKDAY_NIGHTS.contains(at(3, 22, 0)), "Mon 22:00 starts the window");
    assertTrue(WEEKDAY_NIGHTS.contains(at(4, 5, 59)), "Tue 05:59 is Monday's night");
    assertFalse(WEEKDAY_NIGHTS.contains(at(4, 6, 0)), "Tue 06:00 is the exclusive end");
    assertFalse(WEEKDAY_NIGHTS.contains(at(4, 14, 5)), "Tue afternoon");
    assertFalse(WEEKDAY_NIGHTS.contains(at(3, 21, 59)), "Mon just before the start");
  }

  @Test
  void nightWindow_coversFridayNightIntoSaturdayButNotSundayNight() {
    assertTrue(WEEKDAY_NIGHTS.contains(at(8, 5, 0)), "Sat 05:00 is Friday's night");
    assertFalse(WEEKDAY_NIGHTS.contains(at(8, 22, 30)), "Sat night does not start a window");
    assertFalse(WEEKDAY_NIGHTS.contains(at(3, 3, 0)), "Mon 03:00 belongs to Sunday's night");
  }

  @Test
  void wholeDayWindow_coversEveryMinuteOfItsDaysOnly() {
    assertTrue(WEEKENDS.contains(at(8, 0, 0)));
    assertTrue(WEEKENDS.contains(at(9, 23, 59)));
    assertFalse(WEEKENDS.contains(at(7, 23, 59)), "Fri");
    assertFalse(WEEKENDS.contains(at(10, 0, 0)), "Mon 00:00");
    assertFalse(WEEKENDS.wrapsMidnight());
  }

  @Test
  void windowEndingAtMidnight_doesNotWrap() {
    TrainingWindow evening = new TrainingWindow(EnumSet.of(DayOfWeek.MONDAY), LocalTime.of(18, 0),
        LocalTime.MIDNIGHT);

    assertTrue(evening.contains(at(3, 23, 59)));
    assertFalse(evening.contains(at(4, 0, 30)));
    assertEquals("Mon 18:00-24:00", evening.describe());
  }

  @Test
  void describe_groupsConsecutiveDays() {
    assertEquals("Mon-Fri 22:00-06:00", WEEKDAY_NIGHTS.describe());
    assertEquals("Sat-Sun all day", WEEKENDS.describe());
    assertEquals("Mon,Wed,Fri-Sun 08:00-12:00", new TrainingWindow(EnumSet.of(DayOfWeek.MONDAY,
        DayOfWeek.WEDNESDAY, DayOfWeek.FRIDAY, DayOfWeek.SATURDAY, DayOfWeek.SUNDAY),
        LocalTime.of(8, 0), LocalTime.of(12, 0)).describe());
    assertEquals("daily 01:00-02:00", new TrainingWindow(EnumSet.allOf(DayOfWeek.class),
        LocalTime.of(1, 0), LocalTime.of(2, 0)).describe());
  }

  @Test
  void constructor_refusesEmptyOrAmbiguousWindows() {
    assertThrows(IllegalArgumentException.class, () -> new TrainingWindow(
        EnumSet.noneOf(DayOfWeek.class), LocalTime.of(1, 0), LocalTime.of(2, 0)));
    assertThrows(IllegalArgumentException.class, () -> new TrainingWindow(
        EnumSet.of(DayOfWeek.MONDAY), LocalTime.of(8, 0), LocalTime.of(8, 0)));
  }
}
