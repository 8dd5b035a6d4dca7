package io.berth.coordinator.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CronScheduleTest {

  private static long at(String iso) {
    return Instant.parse(iso).toEpochMilli();
  }

  private static String next(CronSchedule s, String afterIso) {
    OptionalLong n = s.nextAfter(at(afterIso));
    return n.isPresent() ? Instant.ofEpochMilli(n.getAsLong()).toString() : "never";
  }

  @Test
  void cronFieldsListsRangesStepsAndNames() {
    CronSchedule every5 = CronSchedule.parse("*/5 * * * *", "");
    assertEquals("2026-01-01T10:05:00Z", next(every5, "2026-01-01T10:00:00Z"));
    assertEquals("2026-01-01T10:05:00Z", next(every5, "2026-01-01T10:04:59.999Z"));
    CronSchedule weekdays = CronSchedule.parse("30 8 * * mon-fri", "");
    // 2026-01-03 is a Saturday: the next weekday morning is Monday the 5th.
    assertEquals("2026-01-05T08:30:00Z", next(weekdays, "2026-01-02T09:00:00Z"));
    CronSchedule list = CronSchedule.parse("0 0,12 1 jan,jul *", "");
    assertEquals("2026-07-01T00:00:00Z", next(list, "2026-01-01T12:00:00Z"));
    CronSchedule sunday7 = CronSchedule.parse("0 0 * * 7", "");
    assertEquals("2026-01-04T00:00:00Z", next(sunday7, "2026-01-01T00:00:00Z"));
  }

  @Test
  void bothDayFieldsRestrictedMeansEither() {
    // The 13th or any Friday (Vixie cron): 2026-02-06 is a Friday, before the 13th.
    CronSchedule s = CronSchedule.parse("0 0 13 * fri", "");
    assertEquals("2026-02-06T00:00:00Z", next(s, "2026-02-01T00:00:00Z"));
  }

  @Test
  void cronIsReadInItsTimeZoneAcrossDaylightSaving() {
    CronSchedule berlin = CronSchedule.parse("0 9 * * *", "Europe/Berlin");
    assertEquals("2026-01-15T08:00:00Z", next(berlin, "2026-01-15T00:00:00Z")); // CET, UTC+1
    assertEquals("2026-07-15T07:00:00Z", next(berlin, "2026-07-15T00:00:00Z")); // CEST, UTC+2
    // 02:30 does not exist on 2026-03-29 in Berlin: it fires at the end of the gap.
    CronSchedule gap = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
    assertEquals("2026-03-29T01:30:00Z", next(gap, "2026-03-28T23:00:00Z"));
  }

  @Test
  void leapDayFiresEvenYearsAway() {
    CronSchedule s = CronSchedule.parse("0 0 29 2 *", "");
    assertEquals("2028-02-29T00:00:00Z", next(s, "2026-03-01T00:00:00Z"));
  }

  @Test
  void repeatingIntervalAsChronosWritesIt() {
    CronSchedule s = CronSchedule.parse("R/2017-02-14T12:00:00Z/PT3M", "");
    assertEquals("2017-02-14T12:00:00Z", next(s, "2017-01-01T00:00:00Z"));
    assertEquals("2017-02-14T12:03:00Z", next(s, "2017-02-14T12:00:00Z"));
    assertEquals("2026-11-22T02:03:00Z", next(s, "2026-11-22T02:01:10Z"));
    CronSchedule five = CronSchedule.parse("R5/2017-02-14T12:00:00Z/PT1H", "");
    assertEquals("2017-02-14T16:00:00Z", next(five, "2017-02-14T15:30:00Z"));
    assertEquals("never", next(five, "2017-02-14T16:00:00Z"));
    CronSchedule monthly = CronSchedule.parse("R/2026-01-31T00:00:00/P1M", "UTC");
    assertEquals("2026-02-28T00:00:00Z", next(monthly, "2026-02-01T00:00:00Z"));
    CronSchedule daysAndHours = CronSchedule.parse("R/2026-01-01T00:00:00Z/P1DT12H", "");
    assertEquals("2026-01-04T00:00:00Z", next(daysAndHours, "2026-01-02T12:00:00Z"));
  }

  @Test
  void latestDueIsTheNewestFiringInTheWindow() {
    CronSchedule s = CronSchedule.parse("R/2026-01-01T00:00:00Z/PT10S", "");
    assertEquals(OptionalLong.of(at("2026-01-01T00:01:40Z")), s.latestDue(at("2026-01-01T00:01:45Z"), 60_000));
    assertEquals(OptionalLong.of(at("2026-01-01T00:01:40Z")), s.latestDue(at("2026-01-01T00:01:40Z"), 60_000));
    CronSchedule hourly = CronSchedule.parse("0 * * * *", "");
    assertTrue(hourly.latestDue(at("2026-01-01T00:30:00Z"), 60_000).isEmpty(), "the last firing is 30 min old");
  }

  @Test
  void refusalsSayWhatIsWrong() {
    assertTrue(msg("* * * *").contains("5 fields"), msg("* * * *"));
    assertTrue(msg("61 * * * *").contains("minute"), msg("61 * * * *"));
    assertTrue(msg("0 0 * * funday").contains("day of week"), msg("0 0 * * funday"));
    assertTrue(msg("0 0 30 2 *").contains("never fires"), msg("0 0 30 2 *"));
    assertTrue(msg("0 0 31 4,6,9,11 *").contains("never fires"), msg("0 0 31 4,6,9,11 *"));
    assertTrue(msg("*/0 * * * *").contains("step"), msg("*/0 * * * *"));
    assertTrue(msg("R0/2017-02-14T12:00:00Z/PT3M").contains("never fires"));
    assertTrue(msg("R/2017-02-14T12:00:00Z/PT0S").contains("longer than zero"));
    assertTrue(msg("R/2017-02-14T12:00:00Z/3 minutes").contains("ISO 8601 duration"));
    assertTrue(msg("R/yesterday/PT3M").contains("start"));
    assertTrue(msg("Rx/2017-02-14T12:00:00Z/PT3M").contains("repetitions"));
    IllegalArgumentException tz = assertThrows(IllegalArgumentException.class,
        () -> CronSchedule.parse("* * * * *", "Mars/Olympus"));
    assertTrue(tz.getMessage().contains("unknown time zone"), tz.getMessage());
  }

  private static String msg(String schedule) {
    return assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse(schedule, "")).getMessage();
  }
}
