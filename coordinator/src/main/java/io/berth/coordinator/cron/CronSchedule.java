package io.berth.coordinator.cron;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.OptionalLong;

/**
 * When a cron job fires: a 5-field cron expression ({@link CronExpression}) or an ISO 8601
 * repeating interval as Chronos users write it ({@link RepeatingInterval}). Pure: every question
 * takes the time it is asked at.
 */
public interface CronSchedule {

  /** The first firing strictly after {@code afterMs}, or empty when it never fires again. */
  OptionalLong nextAfter(long afterMs);

  /**
   * Reads a schedule; {@code timeZone} is an IANA zone id ("" means UTC), used for cron fields
   * and for an ISO start written without an offset.
   *
   * @throws IllegalArgumentException saying what is wrong, for the user
   */
  static CronSchedule parse(String schedule, String timeZone) {
    ZoneId zone = zone(timeZone);
    String s = schedule == null ? "" : schedule.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("is empty");
    }
    if (s.startsWith("R")) {
      return RepeatingInterval.parse(s, zone);
    }
    return CronExpression.parse(s, zone);
  }

  static ZoneId zone(String timeZone) {
    if (timeZone == null || timeZone.isEmpty()) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone '" + timeZone + "' (use an IANA id such as Europe/Berlin, or UTC)");
    }
  }

  /**
   * The latest firing in {@code (nowMs - windowMs, nowMs]}, or empty: what is due now, given that
   * a firing older than the window is missed rather than started late.
   */
  default OptionalLong latestDue(long nowMs, long windowMs) {
    OptionalLong f = nextAfter(nowMs - windowMs);
    if (f.isEmpty() || f.getAsLong() > nowMs) {
      return OptionalLong.empty();
    }
    long latest = f.getAsLong();
    for (int i = 0; i < 10_000; i++) {
      OptionalLong n = nextAfter(latest);
      if (n.isEmpty() || n.getAsLong() > nowMs) {
        break;
      }
      latest = n.getAsLong();
    }
    return OptionalLong.of(latest);
  }
}
