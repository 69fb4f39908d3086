import {
  addDays,
  billingMonthOf,
  daysBetween,
  daysInMonth,
  hoursElapsedInMonth,
  hoursInMonth,
  hoursOfMonthWithin,
  hoursRemainingInMonth,
  isoDate,
  monthEnd,
  monthStart,
  nextBillingMonth,
  parseBillingMonth,
  parseIsoDate,
  weekdayOf,
} from "../../core/calendar";

const at = (iso: string) => new Date(iso);

describe("billingMonthOf", () => {
  it.each([
    ["2026-11-30T23:59:59.999Z", "2026-11"],
    ["2026-12-01T00:00:00.000Z", "2026-12"],
    // 00:30 on Dec 1 in UTC+1 is still November in UTC: DigitalOcean bills in UTC.
    ["2026-12-01T00:30:00+01:00", "2026-11"],
    ["2027-01-01T00:00:00Z", "2027-01"],
  ])("%s is in %s", (instant, month) => {
    expect(billingMonthOf(at(instant))).toBe(month);
  });

  it("rejects an invalid Date", () => {
    expect(() => billingMonthOf(new Date("nope"))).toThrow("instant must be a valid Date (got Invalid Date)");
  });
});

describe("month boundaries and lengths", () => {
  it.each([
    // month, days, hours = days × 24
    ["2026-02", 28, 672],
    ["2028-02", 29, 696],
    ["2026-11", 30, 720],
    ["2026-12", 31, 744],
  ])("%s has %i days and %i hours", (month, days, hours) => {
    expect(daysInMonth(month)).toBe(days);
    expect(hoursInMonth(month)).toBe(hours);
  });

  it("spans [1st 00:00Z, next 1st 00:00Z)", () => {
    expect(monthStart("2026-12").toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(monthEnd("2026-12").toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(nextBillingMonth("2026-12")).toBe("2027-01");
  });

  it.each(["2026-13", "2026-00", "2026-1", "26-11", "2026-11-01"])("rejects the month key %j", (key) => {
    expect(() => parseBillingMonth(key)).toThrow(`billing month must look like "2026-11" (got ${JSON.stringify(key)})`);
  });
});

describe("hours elapsed and remaining", () => {
  it.each([
    // now, elapsed, remaining (November 2026 = 720 h)
    ["2026-10-31T12:00:00Z", 0, 720], // before the month
    ["2026-11-01T00:00:00Z", 0, 720],
    ["2026-11-03T12:00:00Z", 2 * 24 + 12, 720 - 60],
    ["2026-11-30T23:00:00Z", 719, 1],
    ["2026-12-05T00:00:00Z", 720, 0], // after the month
  ])("at %s: %d h elapsed, %d h remaining", (now, elapsed, remaining) => {
    expect(hoursElapsedInMonth("2026-11", at(now))).toBe(elapsed);
    expect(hoursRemainingInMonth("2026-11", at(now))).toBe(remaining);
  });

  it.each([
    // from, to, hours of November 2026 inside [from, to)
    ["2026-10-20T00:00:00Z", "2026-11-02T00:00:00Z", 24],
    ["2026-11-10T06:00:00Z", "2026-11-10T18:00:00Z", 12],
    ["2026-11-29T00:00:00Z", "2026-12-10T00:00:00Z", 48],
    ["2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z", 0],
  ])("overlap of [%s, %s) with the month is %d h", (from, to, hours) => {
    expect(hoursOfMonthWithin("2026-11", at(from), at(to))).toBe(hours);
  });
});

describe("ISO dates", () => {
  it.each([
    ["2026-11-30", 1, "2026-12-01"],
    ["2026-12-31", 1, "2027-01-01"],
    ["2028-03-01", -1, "2028-02-29"],
    ["2026-11-27", -14, "2026-11-13"],
  ])("%s + %d days = %s", (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
    expect(daysBetween(date, expected)).toBe(days);
  });

  it("formats and parses UTC dates", () => {
    expect(isoDate(at("2026-11-27T23:59:59Z"))).toBe("2026-11-27");
    expect(parseIsoDate("2026-11-27").toISOString()).toBe("2026-11-27T00:00:00.000Z");
  });

  it.each(["2026-02-30", "2026-11-7", "27/11/2026", ""])("rejects %j", (date) => {
    expect(() => parseIsoDate(date)).toThrow(`date must be a real calendar date like "2026-11-27" (got ${JSON.stringify(date)})`);
  });

  it.each([
    ["2026-11-27", 5], // a Friday
    ["2026-11-29", 0], // Sunday
    ["2026-11-28", 6], // Saturday
  ])("%s is weekday %d", (date, weekday) => {
    expect(weekdayOf(date)).toBe(weekday);
  });
});
