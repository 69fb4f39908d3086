/**
 * Month-end forecast accuracy: forecastMonthEnd (fixed resources priced to month end with the
 * 672-hour cap, plus a 7-day usage mean) against the naive run-rate (MTD ÷ days elapsed × days
 * in month), on the same seeded months, as MAPE at day 7, 14 and 21.
 *
 *   npm run bench:forecast
 */
import { isoDate, monthStart } from "../core/calendar";
import { forecastMonthEnd, naiveRunRateForecast, type FixedResource } from "../core/forecast";
import { sumUsd } from "../core/money";
import { describePeak, measured } from "./support/memory";
import { fixedCostUntil, generateMonth, type SyntheticMonth } from "./support/synthetic-series";

const MONTH_COUNT = 400;
const SEEDS = Array.from({ length: MONTH_COUNT }, (_, i) => 50_001 + i);
const EVALUATION_DAYS = [7, 14, 21];

/** What the tracker would know at `now`: resources created by then, deletions that already happened. */
function knownAt(resources: readonly FixedResource[], now: Date): FixedResource[] {
  return resources
    .filter((r) => !r.createdAt || r.createdAt < now)
    .map((r) => (r.deletedAt && r.deletedAt >= now ? { ...r, deletedAt: undefined } : r));
}

function percentErrors(month: SyntheticMonth, day: number): { mine: number; naive: number } {
  const now = new Date(monthStart(month.billingMonth).getTime() + day * 86_400_000);
  const today = isoDate(now);
  const usageSoFar = month.usageDaily.filter((d) => d.date >= isoDate(monthStart(month.billingMonth)) && d.date < today);
  const monthToDateUsd = sumUsd([fixedCostUntil(month.billingMonth, month.fixedResources, now), ...usageSoFar.map((d) => d.usd)]);
  const mine = forecastMonthEnd({
    billingMonth: month.billingMonth,
    now,
    monthToDateUsd,
    fixedResources: knownAt(month.fixedResources, now),
    usageDaily: month.usageDaily.filter((d) => d.date < today),
  }).projectedUsd;
  const naive = naiveRunRateForecast(monthToDateUsd, now);
  const error = (projected: number) => Math.abs(projected - month.truthUsd) / month.truthUsd;
  return { mine: error(mine), naive: error(naive) };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** Whether every add or delete of the month happened before `day` ended (so the tracker already knows). */
function changesKnownBy(month: SyntheticMonth, day: number): boolean {
  const now = monthStart(month.billingMonth).getTime() + day * 86_400_000;
  return month.fixedResources.every((r) => (r.createdAt ?? new Date(0)).getTime() < now && (r.deletedAt ?? new Date(0)).getTime() < now);
}

function main(): void {
  const months = SEEDS.map(generateMonth);
  const groups: [string, (m: SyntheticMonth, day: number) => boolean][] = [
    ["all months", () => true],
    ["steady (no mid-month change)", (m) => !m.changesMidMonth],
    ["adds/removes, all before day", (m, day) => m.changesMidMonth && changesKnownBy(m, day)],
    ["adds/removes, some after day", (m, day) => m.changesMidMonth && !changesKnownBy(m, day)],
    ["31-day months", (m) => m.usageDaily.length - 14 === 31],
  ];
  console.log(`Month-end forecast: ${MONTH_COUNT} seeded months (seeds ${SEEDS[0]}–${SEEDS[SEEDS.length - 1]}), MAPE vs the true invoice total.`);
  console.log(`${"months".padEnd(32)} ${"n".padStart(4)} ${"day".padStart(4)} ${"forecast".padStart(9)} ${"naive".padStart(9)} ${"naive÷forecast".padStart(15)}`);
  for (const [name, belongs] of groups) {
    for (const day of EVALUATION_DAYS) {
      const errors = months.filter((m) => belongs(m, day)).map((m) => percentErrors(m, day));
      const mine = mean(errors.map((e) => e.mine));
      const naive = mean(errors.map((e) => e.naive));
      console.log(
        `${name.padEnd(32)} ${String(errors.length).padStart(4)} ${String(day).padStart(4)} ${`${(mine * 100).toFixed(2)}%`.padStart(9)} ` +
          `${`${(naive * 100).toFixed(2)}%`.padStart(9)} ${`${(naive / Math.max(1e-9, mine)).toFixed(1)}×`.padStart(15)}`,
      );
    }
  }
}

measured(main).then(
  ({ ms, rssBefore, peakRss }) => console.log(`whole run: ${(ms / 1000).toFixed(1)} s; ${describePeak(rssBefore, peakRss)}`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
