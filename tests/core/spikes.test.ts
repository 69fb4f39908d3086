import { addDays, weekdayOf } from "../../core/calendar";
import {
  DEFAULT_SPIKE_OPTIONS,
  SpikeDetector,
  TOTAL_SERVICE,
  detectSpikes,
  monthlyChargeIsDue,
  resolveSpikeOptions,
  type DailySeries,
  type SpikeOptions,
} from "../../core/spikes";

const START = "2026-09-07"; // a Monday

/** Day indexes on which a fresh detector alerts, feeding `usd` from START. */
function alertDays(usd: readonly number[], options: SpikeOptions = resolveSpikeOptions()): number[] {
  const detector = new SpikeDetector(options);
  const startWeekday = weekdayOf(START);
  return usd.flatMap((value, day) => (detector.push((startWeekday + day) % 7, value) ? [day] : []));
}

function series(service: string, usd: readonly number[], from = START): DailySeries {
  return { service, points: usd.map((value, day) => ({ date: addDays(from, day), usd: value })) };
}

const flat = (days: number, usd: number) => Array<number>(days).fill(usd);

describe("SpikeDetector", () => {
  it("alerts on a one-day spike and not on the return to normal", () => {
    // Day 0 is the service's first cost ($10 > $1 floor): reported as new. Day 28: 15 vs baseline 10 = +50%, +$5.
    expect(alertDays([...flat(28, 10), 15, ...flat(20, 10)])).toEqual([0, 28]);
  });

  it("alerts once on a level shift, which then becomes the new normal", () => {
    // 10 → 14 (+40%, +$4) on day 28 and stays: one alert, none in the 30 days after.
    expect(alertDays([...flat(28, 10), ...flat(30, 14)])).toEqual([0, 28]);
  });

  it("still alerts on a second rise inside a level shift's episode", () => {
    // Shift to 14 on day 28; day 33 at 20 is +43% over the new level 14.
    expect(alertDays([...flat(28, 10), ...flat(5, 14), 20, ...flat(10, 14)])).toEqual([0, 28, 33]);
  });

  it("does not alert on a weekly rhythm once it has seen it, while the plain median would", () => {
    // Weekdays $10, weekends $14 (+40%): Sat and Sun would exceed a plain 14-day median by $4.
    const weekly = Array.from({ length: 70 }, (_, day) => ([0, 6].includes((weekdayOf(START) + day) % 7) ? 14 : 10));
    const afterWarmUp = (days: number[]) => days.filter((day) => day >= 21);
    expect(afterWarmUp(alertDays(weekly))).toEqual([]);
    expect(afterWarmUp(alertDays(weekly, resolveSpikeOptions({ seasonalWeeks: 0 }))).length).toBeGreaterThan(5);
  });

  it("alerts on a spike on a busy weekday, measured against that weekday's level", () => {
    // Same rhythm; day 47 is a Saturday (start Monday + 47 = 6 weeks + 5 days): 14 × 1.5 = 21.
    const weekly = Array.from({ length: 56 }, (_, day): number => ([0, 6].includes((weekdayOf(START) + day) % 7) ? 14 : 10));
    weekly[47] = 21;
    expect(alertDays(weekly).filter((day) => day >= 21)).toEqual([47]);
  });

  it.each([
    // baseline, value, alerts? — the rise must be > 20% AND > $1
    [2, 2.9, false], // +45% but +$0.90
    [2, 3.1, true], // +55%, +$1.10
    [100, 115, false], // +$15 but +15%
    [100, 121, true], // +21%, +$21
    [10, 11, false], // +10%, +$1.00 (not > $1)
    [10, 12.01, true], // +20.1%, +$2.01
  ])("baseline $%d → $%d alerts: %s", (baseline, value, expected) => {
    expect(alertDays([...flat(21, baseline), value]).includes(21)).toBe(expected);
  });
});

describe("detectSpikes", () => {
  const history = flat(28, 10);

  it("reports a service spike, with baseline and increase, but not the total when it is diluted", () => {
    // Droplets flat $50; Spaces $10 → $15 (+50%). Total 60 → 65 is only +8.3%: no total alert.
    const asOf = addDays(START, 28);
    const spikes = detectSpikes([series("Droplets", flat(29, 50)), series("Spaces", [...history, 15])], DEFAULT_SPIKE_OPTIONS, asOf);
    expect(spikes).toEqual([{ service: "Spaces", date: asOf, kind: "spike", usd: 15, baselineUsd: 10, increaseUsd: 5, increasePct: 0.5 }]);
  });

  it("reports the total when small rises add up over the floor", () => {
    // A and B $3 → $3.90 each: +30% but only +$0.90, under the $1 floor, so neither alerts;
    // the total $6 → $7.80 is +30% and +$1.80: it does.
    const asOf = addDays(START, 28);
    const spikes = detectSpikes([series("A", [...flat(28, 3), 3.9]), series("B", [...flat(28, 3), 3.9])], DEFAULT_SPIKE_OPTIONS, asOf);
    expect(spikes.map((s) => [s.service, s.kind, s.usd, s.baselineUsd, s.increaseUsd])).toEqual([[TOTAL_SERVICE, "spike", 7.8, 6, 1.8]]);
  });

  it("does not report a level shift again on the days after it", () => {
    const usd = [...history, ...flat(5, 14)];
    const reported = [28, 29, 30, 31, 32].filter((day) => detectSpikes([series("App Platform", usd)], DEFAULT_SPIKE_OPTIONS, addDays(START, day)).length > 0);
    expect(reported).toEqual([28]);
  });

  it("reports a never-seen service above the floor as new, and not again the next day", () => {
    const spaces = (usd: number[]) => series("Spaces", usd, addDays(START, 28));
    const droplets = series("Droplets", flat(30, 50));
    expect(detectSpikes([droplets, spaces([5])], DEFAULT_SPIKE_OPTIONS, addDays(START, 28))).toEqual([
      { service: "Spaces", date: addDays(START, 28), kind: "new-service", usd: 5, baselineUsd: 0, increaseUsd: 5, increasePct: null },
    ]);
    expect(detectSpikes([droplets, spaces([5, 5])], DEFAULT_SPIKE_OPTIONS, addDays(START, 29))).toEqual([]);
    // $0.50 is under the $1 floor: not news. (Total 50 → 50.5 is +1%.)
    expect(detectSpikes([droplets, spaces([0.5])], DEFAULT_SPIKE_OPTIONS, addDays(START, 28))).toEqual([]);
  });

  it("ignores points after the as-of date and treats missing days as $0", () => {
    const usd = [...history, 10, 40];
    expect(detectSpikes([series("Droplets", usd)], DEFAULT_SPIKE_OPTIONS, addDays(START, 28))).toEqual([]);
    // Days without a point cost $0: after 8 silent days (days 20–27) the 14-day median is $0,
    // so the service coming back at $10 on day 28 is a rise of $10 over $0.
    const resumed = { service: "Droplets", points: series("Droplets", [...history, 10]).points.filter((_, day) => day < 20 || day > 27) };
    expect(detectSpikes([resumed], DEFAULT_SPIKE_OPTIONS, addDays(START, 28))[0]).toMatchObject({ kind: "spike", usd: 10, baselineUsd: 0, increasePct: null });
  });

  it("adds up several points of one service on one date (one per SKU)", () => {
    const skus: DailySeries = { service: "Droplets", points: [...series("x", history).points, { date: addDays(START, 27), usd: 3 }] };
    // Day 27: 10 + 3 = 13 vs 10: +30%, +$3.
    expect(detectSpikes([skus], DEFAULT_SPIKE_OPTIONS, addDays(START, 27))[0]).toMatchObject({ service: "Droplets", usd: 13, baselineUsd: 10 });
  });

  it("returns nothing when there is no data up to the as-of date", () => {
    expect(detectSpikes([], DEFAULT_SPIKE_OPTIONS, START)).toEqual([]);
    expect(detectSpikes([series("A", [5], addDays(START, 1))], DEFAULT_SPIKE_OPTIONS, START)).toEqual([]);
  });

  it.each([
    [[series("A", [1]), series("A", [2])], 'series[1].service is listed twice (got "A")'],
    [[series(TOTAL_SERVICE, [1])], `series[0].service must be a non-empty name other than "${TOTAL_SERVICE}" (got "${TOTAL_SERVICE}")`],
    [[{ service: "A", points: [{ date: START, usd: 1 }, { date: "2026-09-31", usd: 1 }] }], 'series[0].points[1].date must be a real calendar date like "2026-11-27" (got "2026-09-31")'],
    [[{ service: "A", points: [{ date: START, usd: Number.NaN }] }], "series[0].points[0].usd must be a finite number (got NaN)"],
  ])("rejects bad series %#", (input, message) => {
    expect(() => detectSpikes(input, DEFAULT_SPIKE_OPTIONS, addDays(START, 5))).toThrow(message);
  });
});

describe("resolveSpikeOptions", () => {
  it("fills defaults: 14-day window, 20%, $1, 4 weeks of weekly factors", () => {
    expect(resolveSpikeOptions()).toEqual({ windowDays: 14, minIncreasePct: 0.2, minIncreaseUsd: 1, seasonalWeeks: 4 });
    expect(resolveSpikeOptions({ minIncreaseUsd: 5 })).toEqual({ ...DEFAULT_SPIKE_OPTIONS, minIncreaseUsd: 5 });
  });

  it.each([
    [{ windowDays: 2 }, "options.windowDays must be a whole number >= 3 (got 2)"],
    [{ windowDays: 14.5 }, "options.windowDays must be a whole number >= 3 (got 14.5)"],
    [{ minIncreasePct: 20 }, ""], // 2000% is odd but valid: it is a fraction > 0
    [{ minIncreasePct: 0 }, "options.minIncreasePct must be a fraction > 0, e.g. 0.2 for 20% (got 0)"],
    [{ minIncreaseUsd: -1 }, "options.minIncreaseUsd must be a number >= 0 (got -1)"],
    [{ seasonalWeeks: -1 }, "options.seasonalWeeks must be a whole number >= 0 (got -1)"],
  ])("checks %j", (overrides, message) => {
    if (message === "") expect(resolveSpikeOptions(overrides).minIncreasePct).toBe(20);
    else expect(() => resolveSpikeOptions(overrides)).toThrow(message);
  });

  it("is applied by detectSpikes and the streaming detector too", () => {
    expect(() => detectSpikes([], { ...DEFAULT_SPIKE_OPTIONS, windowDays: 0 }, START)).toThrow("options.windowDays must be a whole number >= 3 (got 0)");
    expect(() => new SpikeDetector({ ...DEFAULT_SPIKE_OPTIONS, minIncreaseUsd: Number.NaN })).toThrow("options.minIncreaseUsd must be a number >= 0 (got NaN)");
  });

  it.each([
    [7, 1, "weekday must be 0 (Sunday) … 6 (got 7)"],
    [1, Number.NaN, "usd must be a finite number (got NaN)"],
  ])("the streaming detector rejects push(%d, %d)", (weekday, usd, message) => {
    expect(() => new SpikeDetector(DEFAULT_SPIKE_OPTIONS).push(weekday, usd)).toThrow(message);
  });
});

describe("monthly recurring charges", () => {
  /**
   * Dates on which a fresh detector alerts over a $10/day service from `from` to `to`, with
   * `extra` USD added on the given dates (a subscription, an add-on, a real spike).
   */
  function alertDates(from: string, to: string, extra: Record<string, number>, withDates = true): string[] {
    const detector = new SpikeDetector(resolveSpikeOptions());
    const alerts: string[] = [];
    for (let date = from; date <= to; date = addDays(date, 1)) {
      const usd = 10 + (extra[date] ?? 0);
      const verdict = withDates ? detector.push(weekdayOf(date), usd, date) : detector.push(weekdayOf(date), usd);
      if (verdict && verdict.kind === "spike") alerts.push(date);
    }
    return alerts;
  }

  it.each<[string, string, string, Record<string, number>, string[]]>([
    [
      "a $30 charge on the 1st for 3 months alerts once, the first time",
      "2026-08-01",
      "2026-11-30",
      { "2026-09-01": 30, "2026-10-01": 30, "2026-11-01": 30 },
      ["2026-09-01"],
    ],
    [
      "a real spike on a 1st that is not a recurrence still alerts (no charge on the 1st before)",
      "2026-08-01",
      "2026-10-31",
      { "2026-08-20": 0, "2026-10-01": 30 },
      ["2026-10-01"],
    ],
    [
      "a real spike on top of a recurring charge alerts (beyond baseline + the charge)",
      "2026-08-01",
      "2026-11-30",
      { "2026-09-01": 30, "2026-10-01": 30, "2026-11-01": 80 },
      ["2026-09-01", "2026-11-01"],
    ],
    [
      "a charge that changes day is a new charge: it alerts on the new day once",
      "2026-08-01",
      "2026-12-31",
      { "2026-09-01": 30, "2026-10-01": 30, "2026-11-15": 30, "2026-12-15": 30 },
      ["2026-09-01", "2026-11-15"],
    ],
    [
      "a charge on the 31st recurs on the last day of shorter months (Feb 28, Apr 30)",
      "2026-12-01",
      "2027-05-31",
      { "2027-01-31": 30, "2027-02-28": 30, "2027-03-31": 30, "2027-04-30": 30, "2027-05-31": 30 },
      ["2027-01-31"],
    ],
    [
      "a charge on the 30th recurs on Feb 28 and back on the 30th",
      "2026-12-01",
      "2027-04-30",
      { "2027-01-30": 30, "2027-02-28": 30, "2027-03-30": 30, "2027-04-30": 30 },
      ["2027-01-30"],
    ],
    [
      "a charge first seen on Feb 28 may be of the 28th–31st: it is expected on each until it recurs (here Mar 31, then month end)",
      "2027-01-01",
      "2027-05-31",
      { "2027-02-28": 30, "2027-03-31": 30, "2027-04-30": 30, "2027-05-31": 30 },
      ["2027-02-28"],
    ],
    [
      "a charge of the 28th first seen on Feb 28 settles on the 28th: a spike on Apr 30 is not mistaken for it",
      "2027-01-01",
      "2027-05-31",
      { "2027-02-28": 30, "2027-03-28": 30, "2027-04-28": 30, "2027-04-30": 30, "2027-05-28": 30 },
      ["2027-02-28", "2027-04-30"],
    ],
    [
      "a one-off spike is remembered for a month only: the same day two months later alerts",
      "2026-08-01",
      "2026-11-30",
      { "2026-09-10": 30, "2026-11-10": 30 },
      ["2026-09-10", "2026-11-10"],
    ],
    [
      "a charge that stops for more than two months is forgotten, and alerts when it comes back",
      "2026-08-01",
      "2027-01-31",
      { "2026-09-01": 30, "2027-01-01": 30 },
      ["2026-09-01", "2027-01-01"],
    ],
    [
      "two charges on one day, the 30th's and the 31st's on Feb 28 and Apr 30, are both expected",
      "2026-12-01",
      "2027-05-31",
      {
        "2027-01-30": 20,
        "2027-01-31": 30,
        "2027-02-28": 50,
        "2027-03-30": 20,
        "2027-03-31": 30,
        "2027-04-30": 50,
        "2027-05-30": 20,
        "2027-05-31": 30,
      },
      ["2027-01-30", "2027-01-31"],
    ],
  ])("%s", (_name, from, to, extra, expected) => {
    expect(alertDates(from, to, extra)).toEqual(expected);
  });

  /** Dates on which a fresh detector alerts, fed `cost(date)` from `from` to `to`. */
  function alertDatesOf(from: string, to: string, cost: (date: string) => number): string[] {
    const detector = new SpikeDetector(resolveSpikeOptions());
    const alerts: string[] = [];
    for (let date = from; date <= to; date = addDays(date, 1)) {
      const verdict = detector.push(weekdayOf(date), cost(date), date);
      if (verdict && verdict.kind === "spike") alerts.push(date);
    }
    return alerts;
  }
  const on = (dates: string[], usd: number) => (date: string) => (dates.includes(date) ? usd : 0);

  // Failure modes found on the tuning seeds of bench:spikes (2026-11-29). All but the third case
  // (kept to pin that a charge on top of a shift is still learned) failed before the fixes.
  it.each<[string, string, string, (date: string) => number, string[]]>([
    [
      "a level shift's first days are not remembered as charges: a spike on the 10th a month later still alerts",
      "2026-08-01",
      "2026-10-31",
      (date) => (date >= "2026-09-10" ? 14 : 10) + on(["2026-10-10"], 4.5)(date),
      ["2026-09-10", "2026-10-10"],
    ],
    [
      "(the same, a spike on the shift's second day of the month, the 11th)",
      "2026-08-01",
      "2026-10-31",
      (date) => (date >= "2026-09-10" ? 14 : 10) + on(["2026-10-11"], 4.5)(date),
      ["2026-09-10", "2026-10-11"],
    ],
    [
      "a charge on a level shift's third day is learned above the shift's plateau",
      "2026-08-01",
      "2026-11-30",
      (date) => (date >= "2026-09-08" ? 14 : 10) + on(["2026-09-10", "2026-10-10", "2026-11-10"], 20)(date),
      ["2026-09-08", "2026-09-10"],
    ],
    [
      "a charge measured small once (it came with a shift down) is expected at the median of its sizes",
      "2026-08-01",
      "2026-11-30",
      (date) => (date >= "2026-10-01" ? 14 : 20) + on(["2026-09-01", "2026-10-01", "2026-11-01"], 20)(date),
      ["2026-09-01"],
    ],
    [
      "a weekday that turns busier for good alerts a few weeks, not every week: high two weeks running, it is rhythm",
      "2026-08-01",
      "2026-11-30",
      (date) => (date >= "2026-10-01" && weekdayOf(date) === 5 ? 14 : 10),
      ["2026-10-02", "2026-10-09", "2026-10-16"],
    ],
  ])("%s", (_name, from, to, cost, expected) => {
    expect(alertDatesOf(from, to, cost)).toEqual(expected);
  });

  it("without dates the detector knows only the weekly rhythm: the charge alerts every month", () => {
    const extra = { "2026-09-01": 30, "2026-10-01": 30, "2026-11-01": 30 };
    expect(alertDates("2026-08-01", "2026-11-30", extra, false)).toEqual(["2026-09-01", "2026-10-01", "2026-11-01"]);
  });

  it("the charge does not leak into the weekly rhythm: a spike on the same weekday a week later alerts", () => {
    // 2026-10-01 and 2026-10-08 are Thursdays.
    expect(alertDates("2026-08-01", "2026-10-31", { "2026-09-01": 30, "2026-10-01": 30, "2026-10-08": 6 })).toEqual(["2026-09-01", "2026-10-08"]);
  });

  it("detectSpikes (the tracker's replay) reports the support plan only in its first month", () => {
    const from = "2026-08-01";
    const usd: number[] = [];
    for (let date = from; date <= "2026-11-30"; date = addDays(date, 1)) usd.push(date.endsWith("-01") && date >= "2026-09-01" ? 10 + 29 : 10);
    const support = series("Support plan + Droplets", usd, from);
    const reported = ["2026-09-01", "2026-10-01", "2026-11-01"].filter((asOf) => detectSpikes([support], DEFAULT_SPIKE_OPTIONS, asOf).some((s) => s.service !== TOTAL_SERVICE));
    expect(reported).toEqual(["2026-09-01"]);
  });

  it.each<[string, { anchorDay: number; monthEnd: boolean }, { dayOfMonth: number; daysInMonth: number }, boolean]>([
    ["the 31st falls on Feb 28", { anchorDay: 31, monthEnd: false }, { dayOfMonth: 28, daysInMonth: 28 }, true],
    ["the 31st is not the 30th of a 31-day month", { anchorDay: 31, monthEnd: false }, { dayOfMonth: 30, daysInMonth: 31 }, false],
    ["the 29th in a leap February", { anchorDay: 29, monthEnd: false }, { dayOfMonth: 29, daysInMonth: 29 }, true],
    ["the 1st", { anchorDay: 1, monthEnd: false }, { dayOfMonth: 1, daysInMonth: 30 }, true],
    ["the 15th is not month end", { anchorDay: 15, monthEnd: false }, { dayOfMonth: 30, daysInMonth: 30 }, false],
    ["seen on Feb 28: due on Mar 30", { anchorDay: 28, monthEnd: true }, { dayOfMonth: 30, daysInMonth: 31 }, true],
    ["seen on Feb 28: not due on Mar 27", { anchorDay: 28, monthEnd: true }, { dayOfMonth: 27, daysInMonth: 31 }, false],
  ])("monthlyChargeIsDue: %s", (_name, charge, day, expected) => {
    expect(monthlyChargeIsDue(charge, day)).toBe(expected);
  });

  it("rejects a date whose weekday is not the one given", () => {
    expect(() => new SpikeDetector(DEFAULT_SPIKE_OPTIONS).push(1, 10, "2026-09-06")).toThrow("weekday 1 is not the weekday of date 2026-09-06 (0)");
  });
});
