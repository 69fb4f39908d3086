import { firesAt, firesPerMonth, parseCron } from "../../core/cron";

describe("parseCron", () => {
  it.each([
    ["0 * * * *", "every hour"],
    ["0 8 * * 1", "Mondays 08:00"],
    ["*/15 8-18 * * 1-5", "office hours"],
    ["30 7 1,15 * *", "twice a month"],
  ])("accepts %s (%s)", (expression) => {
    expect(() => parseCron(expression)).not.toThrow();
  });

  it.each([
    ["0 * * *", 'cron "0 * * *" must have 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ["60 * * * *", 'cron "60 * * * *": minute field "60" is out of range (allowed 0-59)'],
    ["0 24 * * *", 'cron "0 24 * * *": hour field "24" is out of range (allowed 0-23)'],
    ["0 8 * * mon", 'cron "0 8 * * mon": day of week field "mon" is not a number, range, list or step (allowed 0-7)'],
    ["*/0 * * * *", 'cron "*/0 * * * *": minute field "*/0" has a step below 1 (allowed 0-59)'],
    ["0 9-5 * * *", 'cron "0 9-5 * * *": hour field "9-5" is out of range (allowed 0-23)'],
  ])("rejects %s naming the field", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });
});

describe("firesAt", () => {
  it("matches UTC minutes, Sunday as 0 or 7, and either day field when both are restricted", () => {
    expect(firesAt(parseCron("0 8 * * 1"), new Date("2026-11-30T08:00:00Z"))).toBe(true); // a Monday
    expect(firesAt(parseCron("0 8 * * 1"), new Date("2026-11-29T08:00:00Z"))).toBe(false); // Sunday
    expect(firesAt(parseCron("0 8 * * 7"), new Date("2026-11-29T08:00:00Z"))).toBe(true);
    expect(firesAt(parseCron("0 8 1 * 1"), new Date("2026-12-01T08:00:00Z"))).toBe(true); // the 1st, a Tuesday
  });
});

describe("firesPerMonth", () => {
  it.each([
    ["0 * * * *", (365 * 24) / 12], // 730 hourly checks
    ["0 8 * * *", 365 / 12], // daily
    ["0 8 * * 1", 52 / 12], // 2025 has 52 Mondays
    ["0 8 1 * *", 1],
  ])("%s fires %d times in an average month", (expression, expected) => {
    expect(firesPerMonth(expression)).toBeCloseTo(expected, 6);
  });
});
