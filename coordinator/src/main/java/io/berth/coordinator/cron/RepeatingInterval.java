package io.berth.coordinator.cron;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;

/**
 * An ISO 8601 repeating interval as Chronos writes it, {@code R[n]/<start>/<period>}: firings at
 * start, start + period, start + 2 period ... ({@code n} firings in all, or for ever without n).
 * The period may have calendar parts ({@code P1M}, {@code P1D}), added in the time zone, and time
 * parts ({@code PT3M}). A start without an offset is read in the time zone.
 */
final class RepeatingInterval implements CronSchedule {
  private final String text;
  private final ZonedDateTime start;
  private final long repetitions; // -1: for ever
  private final Period period;
  private final Duration duration;
  private final long approxMs;

  private RepeatingInterval(String text, ZonedDateTime start, long repetitions, Period period, Duration duration) {
    this.text = text;
    this.start = start;
    this.repetitions = repetitions;
    this.period = period;
    this.duration = duration;
    this.approxMs = Math.max(1, period.toTotalMonths() * 28L * 86_400_000L + period.getDays() * 82_800_000L
        + duration.toMillis());
  }

  static RepeatingInterval parse(String text, ZoneId zone) {
    String[] parts = text.split("/", -1);
    if (parts.length != 3) {
      throw bad(text, "must have three parts R[n]/<start>/<period>");
    }
    long n = -1;
    if (parts[0].length() > 1) {
      try {
        n = Long.parseLong(parts[0].substring(1));
      } catch (NumberFormatException e) {
        throw bad(text, "'" + parts[0] + "' must be R or R followed by a number of repetitions");
      }
      if (n < 0) {
        throw bad(text, "the number of repetitions must not be negative");
      }
      if (n == 0) {
        throw bad(text, "R0 never fires (R1 runs once, R runs for ever)");
      }
    }
    ZonedDateTime start = start(text, parts[1], zone);
    String p = parts[2];
    if (p.startsWith("-") || !p.startsWith("P")) {
      throw bad(text, "the period '" + p + "' must be an ISO 8601 duration such as PT3M, PT1H or P1D");
    }
    Period period;
    Duration duration;
    try {
      int t = p.indexOf('T');
      String datePart = t < 0 ? p : p.substring(0, t);
      period = datePart.equals("P") ? Period.ZERO : Period.parse(datePart);
      duration = t < 0 ? Duration.ZERO : Duration.parse("P" + p.substring(t));
    } catch (DateTimeParseException e) {
      throw bad(text, "the period '" + p + "' must be an ISO 8601 duration such as PT3M, PT1H or P1D");
    }
    if (period.isNegative() || duration.isNegative() || (period.isZero() && duration.isZero())) {
      throw bad(text, "the period must be longer than zero");
    }
    if (period.isZero() && duration.toMillis() < 1000) {
      throw bad(text, "the period must be at least one second (PT1S)");
    }
    return new RepeatingInterval(text, start, n, period, duration);
  }

  private static ZonedDateTime start(String text, String s, ZoneId zone) {
    if (s.isEmpty()) {
      throw bad(text, "the start time is missing (e.g. 2017-02-14T12:00:00Z)");
    }
    try {
      return OffsetDateTime.parse(s).atZoneSameInstant(zone);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(s).atZone(zone);
      } catch (DateTimeParseException e2) {
        throw bad(text, "the start '" + s + "' must be an ISO 8601 date-time such as 2017-02-14T12:00:00Z");
      }
    }
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("repeating interval '" + text + "': " + why);
  }

  /** The k-th firing (0 = start), or empty past the last repetition or out of range. */
  private OptionalLong firing(long k) {
    if (repetitions >= 0 && k >= repetitions) {
      return OptionalLong.empty();
    }
    try {
      int ki = Math.toIntExact(k);
      return OptionalLong.of(start.plus(period.multipliedBy(ki)).plus(duration.multipliedBy(ki))
          .toInstant().toEpochMilli());
    } catch (ArithmeticException | DateTimeException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public OptionalLong nextAfter(long afterMs) {
    long startMs = start.toInstant().toEpochMilli();
    if (afterMs < startMs) {
      return firing(0);
    }
    // Smallest k with firing(k) > afterMs, by bracketing from an estimate and bisecting.
    long lo = Math.max(0, (afterMs - startMs) / approxMs / 2 - 1);
    OptionalLong l = firing(lo);
    if (l.isEmpty() || l.getAsLong() > afterMs) {
      lo = 0; // the start is at or before afterMs
    }
    long hi = Math.max(lo + 1, (afterMs - startMs) / approxMs * 2 + 2);
    while (true) {
      OptionalLong h = firing(hi);
      if (h.isEmpty() || h.getAsLong() > afterMs) {
        break;
      }
      lo = hi;
      hi = hi * 2;
    }
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      OptionalLong m = firing(mid);
      if (m.isEmpty() || m.getAsLong() > afterMs) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return firing(hi);
  }

  @Override
  public String toString() {
    return text + " (first " + Instant.ofEpochMilli(start.toInstant().toEpochMilli()) + ")";
  }
}
