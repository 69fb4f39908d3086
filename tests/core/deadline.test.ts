import { deadlineAfterSeconds, DEFAULT_DEADLINE_MARGIN_MS, NO_DEADLINE, openWhiskDeadline, runDeadline } from "../../core/deadline";

describe("runDeadline", () => {
  it("answers against the margin, not the kill time", () => {
    let now = 1_000_000;
    const deadline = runDeadline(now + 60_000, { marginMs: 20_000, clock: () => now });
    expect(deadline.remainingMs()).toBe(40_000);
    expect(deadline.allows(40_000)).toBe(true);
    expect(deadline.allows(40_001)).toBe(false);
    expect(deadline.passed()).toBe(false);
    now += 39_999;
    expect(deadline.passed()).toBe(false);
    now += 1;
    expect(deadline.passed()).toBe(true);
    now += 30_000;
    expect(deadline.remainingMs()).toBe(0);
  });

  it("uses the default margin of 20 s", () => {
    const deadline = runDeadline(100_000, { clock: () => 0 });
    expect(deadline.remainingMs()).toBe(100_000 - DEFAULT_DEADLINE_MARGIN_MS);
    expect(DEFAULT_DEADLINE_MARGIN_MS).toBe(20_000);
  });

  it("never ends without a deadline", () => {
    expect(NO_DEADLINE.at).toBeNull();
    expect(NO_DEADLINE.remainingMs()).toBe(Infinity);
    expect(NO_DEADLINE.allows(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(NO_DEADLINE.passed()).toBe(false);
  });

  it("refuses a margin or instant that is not a finite number", () => {
    expect(() => runDeadline(1, { marginMs: -1 })).toThrow("marginMs must be a finite number ≥ 0 (got -1)");
    expect(() => runDeadline(Number.NaN)).toThrow("epoch milliseconds (got NaN)");
  });
});

describe("openWhiskDeadline", () => {
  it.each([
    ["1765000000000", 1765000000000],
    [" 1765000000000 ", 1765000000000],
    [1765000000000, 1765000000000],
    [undefined, null],
    ["", null],
    ["soon", null],
    ["-5", null],
    ["0", null],
    ["1.5e12", null],
  ])("reads %p as %p", (value, expected) => {
    expect(openWhiskDeadline(value)).toBe(expected);
  });
});

describe("deadlineAfterSeconds", () => {
  it("adds seconds to the start", () => {
    expect(deadlineAfterSeconds(60, 1_000)).toBe(61_000);
  });
  it("refuses a non-positive duration", () => {
    expect(() => deadlineAfterSeconds(0, 0)).toThrow("seconds must be a positive number (got 0)");
  });
});
