package io.factoryfl.participant.policy;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A weekly period in which the site lets training run, in the site's local time.
 *
 * <p>A window <em>starts</em> on each of its {@code days} at {@code from} and ends at {@code to};
 * {@code to} is exclusive. When {@code to} is earlier than {@code from} the window wraps past
 * midnight into the next day: {@code Mon-Fri 22:00-06:00} covers Monday 22:00 to Tuesday 06:00,
 * ..., Friday 22:00 to Saturday 06:00, and not Monday 00:00-06:00 (that is Sunday's night). A
 * {@code to} of midnight means the end of the day, so {@code 00:00-24:00} is the whole day.
 *
 * @param days the days on which the window starts; never empty
 * @param from start of the window, inclusive
 * @param to end of the window, exclusive; {@link LocalTime#MIDNIGHT} is the end of the day
 */
public record TrainingWindow(Set<DayOfWeek> days, LocalTime from, LocalTime to) {

  public TrainingWindow {
    Objects.requireNonNull(days, "days must not be null");
    Objects.requireNonNull(from, "from must not be null");
    Objects.requireNonNull(to, "to must not be null");
    if (days.isEmpty()) {
      throw new IllegalArgumentException("a training window needs at least one day");
    }
    if (from.equals(to) && !from.equals(LocalTime.MIDNIGHT)) {
      throw new IllegalArgumentException("a training window from " + from + " to " + to
          + " is empty or ambiguous; use 00:00-24:00 for a whole day");
    }
    days = Set.copyOf(EnumSet.copyOf(days));
  }

  /** Whether training may run at this local date and time. */
  public boolean contains(LocalDateTime local) {
    DayOfWeek day = local.getDayOfWeek();
    LocalTime time = local.toLocalTime();
    if (!wrapsMidnight()) {
      return days.contains(day) && !time.isBefore(from) && (endsAtMidnight() || time.isBefore(to));
    }
    return (days.contains(day) && !time.isBefore(from))
        || (days.contains(day.minus(1)) && time.isBefore(to));
  }

  /** Whether the window runs into the next day. */
  public boolean wrapsMidnight() {
    return !endsAtMidnight() && to.isBefore(from);
  }

  /** For example {@code Sat-Sun all day}, {@code Mon-Fri 22:00-06:00}, {@code daily 08:00-12:00}. */
  public String describe() {
    String hours = from.equals(LocalTime.MIDNIGHT) && endsAtMidnight()
        ? "all day"
        : from + "-" + (endsAtMidnight() ? "24:00" : to.toString());
    return describeDays(days) + " " + hours;
  }

  private boolean endsAtMidnight() {
    return to.equals(LocalTime.MIDNIGHT);
  }

  /** Runs of consecutive days as {@code Mon-Fri}, others listed: {@code Mon,Wed,Sat-Sun}. */
  static String describeDays(Set<DayOfWeek> days) {
    if (days.size() == 7) {
      return "daily";
    }
    List<String> parts = new ArrayList<>();
    DayOfWeek[] all = DayOfWeek.values();
    int i = 0;
    while (i < all.length) {
      if (!days.contains(all[i])) {
        i++;
        continue;
      }
      int end = i;
      while (end + 1 < all.length && days.contains(all[end + 1])) {
        end++;
      }
      parts.add(end == i ? shortName(all[i]) : shortName(all[i]) + "-" + shortName(all[end]));
      i = end + 1;
    }
    return String.join(",", parts);
  }

  static String shortName(DayOfWeek day) {
    return day.getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
  }
}
