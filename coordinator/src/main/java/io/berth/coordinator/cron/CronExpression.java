package io.berth.coordinator.cron;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * A classic 5-field cron expression: minute hour day-of-month month day-of-week, each a list of
 * {@code *}, values, ranges {@code a-b} and steps {@code /n}; months and weekdays also by name
 * (jan, mon); weekday 7 is Sunday like 0. As in Vixie cron, when both day fields are restricted a
 * day matches if either does. Read in a time zone; a local time skipped by a DST change fires at
 * the first instant after the gap.
 */
final class CronExpression implements CronSchedule {
  /** Long enough to meet any February 29th on a given weekday: the calendar repeats in 28 years. */
  private static final int SEARCH_DAYS = 366 * 29;
  private static final List<String> MONTHS =
      List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");
  private static final List<String> DAYS = List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat");

  private final String text;
  private final ZoneId zone;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek; // 0 = Sunday
  private final boolean domRestricted;
  private final boolean dowRestricted;

  private CronExpression(String text, ZoneId zone, String[] f) {
    this.text = text;
    this.zone = zone;
    this.minutes = field(f[0], "minute", 0, 59, null);
    this.hours = field(f[1], "hour", 0, 23, null);
    this.daysOfMonth = field(f[2], "day of month", 1, 31, null);
    this.months = field(f[3], "month", 1, 12, MONTHS);
    BitSet dow = field(f[4], "day of week", 0, 7, DAYS);
    if (dow.get(7)) {
      dow.set(0);
      dow.clear(7);
    }
    this.daysOfWeek = dow;
    this.domRestricted = !f[2].startsWith("*");
    this.dowRestricted = !f[4].startsWith("*");
  }

  static CronExpression parse(String text, ZoneId zone) {
    String[] f = text.trim().split("\\s+");
    if (f.length != 5) {
      throw new IllegalArgumentException("'" + text + "' is neither a cron expression (5 fields: minute hour "
          + "day-of-month month day-of-week, got " + f.length + ") nor an ISO 8601 repeating interval "
          + "(R[n]/<start>/<period>, e.g. R/2017-02-14T12:00:00Z/PT3M)");
    }
    CronExpression c = new CronExpression(text, zone, f);
    if (c.nextDay(LocalDate.of(2000, 1, 1)) == null) {
      throw new IllegalArgumentException("'" + text + "' never fires (no date has that day of month in that month)");
    }
    return c;
  }

  @Override
  public OptionalLong nextAfter(long afterMs) {
    // From the next whole minute after afterMs, in the zone's local time.
    LocalDateTime cursor = LocalDateTime.ofInstant(Instant.ofEpochMilli(afterMs), zone)
        .withSecond(0).withNano(0).plusMinutes(1);
    for (int i = 0; i < 1440; i++) {
      LocalDateTime local = nextLocal(cursor);
      if (local == null) {
        return OptionalLong.empty();
      }
      long ms = ZonedDateTime.of(local, zone).toInstant().toEpochMilli();
      if (ms > afterMs) {
        return OptionalLong.of(ms);
      }
      cursor = local.plusMinutes(1); // a DST fold mapped it back to before afterMs
    }
    return OptionalLong.empty();
  }

  /** The first matching local date-time at or after {@code from}. */
  private LocalDateTime nextLocal(LocalDateTime from) {
    LocalDate day = from.toLocalDate();
    LocalTime after = from.toLocalTime();
    for (int i = 0; i < SEARCH_DAYS; i++, day = day.plusDays(1), after = LocalTime.MIDNIGHT) {
      if (dayMatches(day)) {
        LocalTime t = timeAtOrAfter(after);
        if (t != null) {
          return LocalDateTime.of(day, t);
        }
      }
    }
    return null;
  }

  private LocalDate nextDay(LocalDate from) {
    LocalDate d = from;
    for (int i = 0; i < SEARCH_DAYS; i++, d = d.plusDays(1)) {
      if (dayMatches(d)) {
        return d;
      }
    }
    return null;
  }

  private boolean dayMatches(LocalDate d) {
    if (!months.get(d.getMonthValue())) {
      return false;
    }
    boolean dom = daysOfMonth.get(d.getDayOfMonth());
    boolean dow = daysOfWeek.get(d.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : d.getDayOfWeek().getValue());
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  private LocalTime timeAtOrAfter(LocalTime from) {
    for (int h = hours.nextSetBit(from.getHour()); h >= 0; h = hours.nextSetBit(h + 1)) {
      int m = minutes.nextSetBit(h == from.getHour() ? from.getMinute() : 0);
      if (m >= 0) {
        return LocalTime.of(h, m);
      }
    }
    return null;
  }

  private static BitSet field(String spec, String name, int min, int max, List<String> names) {
    BitSet bits = new BitSet(max + 1);
    for (String part : spec.split(",", -1)) {
      if (part.isEmpty()) {
        throw bad(name, spec, "an empty list element");
      }
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        range = part.substring(0, slash);
        step = number(part.substring(slash + 1), name, spec, null);
        if (step < 1) {
          throw bad(name, spec, "a step must be 1 or more");
        }
      }
      int lo;
      int hi;
      if (range.equals("*")) {
        lo = min;
        hi = max == 7 ? 6 : max;
      } else {
        int dash = range.indexOf('-');
        if (dash > 0) {
          lo = number(range.substring(0, dash), name, spec, names);
          hi = number(range.substring(dash + 1), name, spec, names);
        } else {
          lo = number(range, name, spec, names);
          hi = slash >= 0 ? max : lo;
        }
      }
      if (lo < min || hi > max || lo > hi) {
        throw bad(name, spec, "values must be within " + min + "-" + max + " and ranges low-high");
      }
      for (int v = lo; v <= hi; v += step) {
        bits.set(v);
      }
    }
    return bits;
  }

  private static int number(String s, String name, String spec, List<String> names) {
    if (names != null) {
      int i = names.indexOf(s.toLowerCase(Locale.ROOT));
      if (i >= 0) {
        return names == MONTHS ? i + 1 : i;
      }
    }
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw bad(name, spec, "'" + s + "' is not a number" + (names == null ? "" : " or a name"));
    }
  }

  private static IllegalArgumentException bad(String name, String spec, String why) {
    return new IllegalArgumentException("cron " + name + " field '" + spec + "': " + why);
  }

  @Override
  public String toString() {
    return text + " (" + zone + ")";
  }
}
