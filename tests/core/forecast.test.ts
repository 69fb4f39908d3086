import { forecastMonthEnd, naiveRunRateForecast, type DailyCost, type ForecastInput } from "../../core/forecast";
import { sumUsd } from "../../core/money";

const at = (iso: string) => new Date(iso);

/** `days` days of `usd` each, starting at `from` (a November 2026 date). */
function flatUsage(fromDay: number, days: number, usd: number): DailyCost[] {
  return Array.from({ length: days }, (_, i) => ({ date: `2026-11-${String(fromDay + i).padStart(2, "0")}`, usd }));
}

describe("forecastMonthEnd", () => {
  it("equals the truth on a steady month (November 2026: 30 days = 720 h)", () => {
    // A $24 droplet all month + $2/day of usage. At 2026-11-11T00:00Z, 10 days = 240 h elapsed:
    //   droplet so far 24 × 240/672 = 8.5714 → $8.57; usage so far 10 × $2 = $20 → MTD $28.57
    //   droplet rest: capped(24, 720 h) = $24 (720 ≥ 672) − 8.57 = $15.43
    //   usage rest: $2/day × 480 h / 24 = $40
    //   projection 28.57 + 15.43 + 40 = $84.00 = truth 24 + 30 × 2
    const result = forecastMonthEnd({
      billingMonth: "2026-11",
      now: at("2026-11-11T00:00:00Z"),
      monthToDateUsd: 28.57,
      fixedResources: [{ id: "droplet", monthlyUsd: 24 }],
      usageDaily: flatUsage(1, 10, 2),
    });
    expect(result.projectedUsd).toBe(84);
    expect(result.fixedUsd).toBe(24);
    expect(result.usageUsd).toBe(60);
    expect(result.method).toBe("fixed-resources+usage-trailing-mean");
    expect(result.details).toMatchObject({
      hoursElapsed: 240,
      hoursRemaining: 480,
      fixedSoFarUsd: 8.57,
      fixedRemainingUsd: 15.43,
      usageDailyRateUsd: 2,
      usageRemainingUsd: 40,
      usageDaysUsed: 7,
    });
    // The naive run-rate is off even here, because the droplet stops costing at 672 h: 28.57 / 10 × 30
    expect(naiveRunRateForecast(28.57, at("2026-11-11T00:00:00Z"))).toBe(85.71);
  });

  it.each([
    // December 2026 has 744 h, a $24 droplet costs $24 at most (672 h cap).
    // now, hours elapsed, so far = 24 × min(h, 672)/672, projection, naive = so far / days × 31
    ["2026-12-22T00:00:00Z", 504, 18.0, 24, 26.57], // 18 / 21 × 31 = 26.571
    ["2026-12-29T00:00:00Z", 672, 24.0, 24, 26.57], // capped: 24 / 28 × 31 = 26.571
    ["2026-12-31T12:00:00Z", 732, 24.0, 24, 24.39], // 24 / 30.5 × 31 = 24.393
  ])("caps a whole-month droplet at 672 h (now %s, %d h in)", (now, hours, soFar, projected, naive) => {
    const result = forecastMonthEnd({
      billingMonth: "2026-12",
      now: at(now),
      monthToDateUsd: soFar,
      fixedResources: [{ id: "droplet", monthlyUsd: 24 }],
      usageDaily: [],
    });
    expect(result.details.hoursElapsed).toBe(hours);
    expect(result.details.fixedSoFarUsd).toBe(soFar);
    expect(result.projectedUsd).toBe(projected);
    expect(naiveRunRateForecast(soFar, at(now))).toBe(naive);
  });

  it("prices a resource added mid-month for its remaining hours only", () => {
    // A: $24 all month. B: $48 from 2026-11-16T00:00Z (hour 360; 360 h of the month left).
    // At 2026-11-21T00:00Z (480 h elapsed):
    //   A so far 24 × 480/672 = 17.1429 → $17.14; A month = $24 (720 h ≥ 672)
    //   B so far 48 × 120/672 = 8.5714 → $8.57; B month = 48 × 360/672 = 25.714 → $25.71
    //   MTD 17.14 + 8.57 = 25.71; projection 25.71 + (24 − 17.14) + (25.71 − 8.57) = $49.71 = truth 24 + 25.71
    const input: ForecastInput = {
      billingMonth: "2026-11",
      now: at("2026-11-21T00:00:00Z"),
      monthToDateUsd: 25.71,
      fixedResources: [
        { id: "a", monthlyUsd: 24 },
        { id: "b", monthlyUsd: 48, createdAt: at("2026-11-16T00:00:00Z") },
      ],
      usageDaily: [],
    };
    const result = forecastMonthEnd(input);
    expect(result.details.resources).toEqual([
      { id: "a", soFarUsd: 17.14, monthUsd: 24 },
      { id: "b", soFarUsd: 8.57, monthUsd: 25.71 },
    ]);
    expect(result.projectedUsd).toBe(49.71);
    // Naive: 25.71 / 20 × 30 = 38.565 → $38.57, $11.14 short; ours is exact.
    expect(naiveRunRateForecast(25.71, input.now)).toBe(38.57);
  });

  it("adds nothing more for a resource already deleted", () => {
    // A: $24 all month. B: $96, deleted 2026-11-06T00:00Z after 120 h: 96 × 120/672 = 17.1429 → $17.14.
    // At 2026-11-11T00:00Z (240 h): A so far 24 × 240/672 = $8.57. MTD 8.57 + 17.14 = 25.71.
    // Projection 25.71 + (24 − 8.57) + 0 = $41.14 = truth 24 + 17.14; naive 25.71 / 10 × 30 = $77.13.
    const now = at("2026-11-11T00:00:00Z");
    const result = forecastMonthEnd({
      billingMonth: "2026-11",
      now,
      monthToDateUsd: 25.71,
      fixedResources: [
        { id: "a", monthlyUsd: 24 },
        { id: "b", monthlyUsd: 96, deletedAt: at("2026-11-06T00:00:00Z") },
      ],
      usageDaily: [],
    });
    expect(result.projectedUsd).toBe(41.14);
    expect(result.details.fixedRemainingUsd).toBe(15.43);
    expect(naiveRunRateForecast(25.71, now)).toBe(77.13);
  });

  it("takes the usage rate from the last 7 complete days only", () => {
    // Nov 1–3 at $100 are older than 7 days; Nov 11 is today (incomplete) — both ignored.
    // Nov 4–10: 1,1,1,1,1,5,5 → 15 / 7 = 2.142857 per day; 480 h left = 20 days → 42.857 → $42.86.
    const usageDaily = [
      ...flatUsage(1, 3, 100),
      ...flatUsage(4, 5, 1),
      ...flatUsage(9, 2, 5),
      { date: "2026-11-11", usd: 1000 },
    ].reverse(); // order must not matter
    const result = forecastMonthEnd({
      billingMonth: "2026-11",
      now: at("2026-11-11T00:00:00Z"),
      monthToDateUsd: 400,
      fixedResources: [],
      usageDaily,
    });
    expect(result.details.usageDaysUsed).toBe(7);
    expect(result.details.usageDailyRateUsd).toBe(2.14);
    expect(result.details.usageRemainingUsd).toBe(42.86);
    expect(result.projectedUsd).toBe(442.86);
  });

  it("falls back to the month-to-date run rate of the usage part without a usage series", () => {
    // $24 droplet: $8.57 after 10 days; MTD $23.57 → usage so far 23.57 − 8.57 = $15 → $1.50/day.
    // Projection 23.57 + 15.43 + 1.5 × 20 = $69.00.
    const result = forecastMonthEnd({
      billingMonth: "2026-11",
      now: at("2026-11-11T00:00:00Z"),
      monthToDateUsd: 23.57,
      fixedResources: [{ id: "droplet", monthlyUsd: 24 }],
      usageDaily: [],
    });
    expect(result.method).toBe("fixed-resources+usage-run-rate");
    expect(result.details.usageDailyRateUsd).toBe(1.5);
    expect(result.projectedUsd).toBe(69);
    expect(sumUsd([result.fixedUsd, result.usageUsd])).toBe(result.projectedUsd);
  });

  it.each([
    [{ fixedResources: [{ id: "a", monthlyUsd: 5 }, { id: "b", monthlyUsd: -1 }] }, "fixedResources[1].monthlyUsd must be a finite number >= 0 (got -1)"],
    [
      { fixedResources: [{ id: "a", monthlyUsd: 5, createdAt: at("2026-11-10T00:00:00Z"), deletedAt: at("2026-11-09T00:00:00Z") }] },
      "fixedResources[0].deletedAt must not be before createdAt (got 2026-11-09T00:00:00.000Z before 2026-11-10T00:00:00.000Z)",
    ],
    [{ monthToDateUsd: Number.NaN }, "monthToDateUsd must be a finite number (got NaN)"],
    [{ usageDaily: [{ date: "2026-11-31", usd: 1 }] }, 'date must be a real calendar date like "2026-11-27" (got "2026-11-31")'],
    [{ usageDaily: [{ date: "2026-11-02", usd: Number.POSITIVE_INFINITY }] }, "usageDaily[0].usd must be a finite number (got Infinity)"],
    [{ now: new Date("not a date") }, "now must be a valid Date"],
  ])("rejects bad input %#", (override, message) => {
    const input: ForecastInput = {
      billingMonth: "2026-11",
      now: at("2026-11-11T00:00:00Z"),
      monthToDateUsd: 10,
      fixedResources: [],
      usageDaily: [],
      ...override,
    };
    expect(() => forecastMonthEnd(input)).toThrow(message);
  });

  it("rejects a lookback of 0 days", () => {
    const input: ForecastInput = { billingMonth: "2026-11", now: at("2026-11-11T00:00:00Z"), monthToDateUsd: 1, fixedResources: [], usageDaily: [] };
    expect(() => forecastMonthEnd(input, { usageLookbackDays: 0 })).toThrow("options.usageLookbackDays must be a whole number >= 1 (got 0)");
  });
});

describe("naiveRunRateForecast", () => {
  it.each([
    // mtd, now, expected = mtd / days elapsed × days in month
    [30, "2026-11-11T00:00:00Z", 90], // 30 / 10 × 30
    [31, "2026-12-11T00:00:00Z", 96.1], // 31 / 10 × 31
    [12, "2026-11-01T00:00:00Z", 12], // nothing elapsed: MTD as is
  ])("$%d at %s → $%d", (mtd, now, expected) => {
    expect(naiveRunRateForecast(mtd, at(now))).toBe(expected);
  });
});
