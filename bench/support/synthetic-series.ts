/**
 * Seeded synthetic DigitalOcean cost data for the spike and forecast benchmarks: labelled
 * daily series (base level, weekly rhythm, noise, one-day spikes, level shifts) and whole
 * billing months of fixed resources (added and removed mid-month) plus usage. Everything is
 * a pure function of the seed, so a figure printed today can be reproduced exactly tomorrow.
 */
import {
  addDays,
  billingMonthOf,
  daysInMonth,
  hoursOfMonthWithin,
  isoDate,
  monthEnd,
  monthStart,
  parseIsoDate,
  weekdayOf,
  type BillingMonth,
  type IsoDate,
} from "../../core/calendar";
import type { DailyCost, FixedResource } from "../../core/forecast";
import { cappedMonthlyCostUsd } from "../../core/hourly-billing";
import { roundUsd, sumUsd } from "../../core/money";
import { mulberry32 } from "../../tests/support/prng";


/** Convenience draws on top of a uniform source. */
class Random {
  private readonly uniform01: () => number;
  constructor(seed: number) {
    this.uniform01 = mulberry32(seed);
  }
  uniform(min: number, max: number): number {
    return min + (max - min) * this.uniform01();
  }
  int(min: number, maxInclusive: number): number {
    return Math.floor(this.uniform(min, maxInclusive + 1));
  }
  chance(probability: number): boolean {
    return this.uniform01() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  /** Log-uniform: as likely to be $3–$30 as $30–$300, like real account sizes. */
  logUniform(min: number, max: number): number {
    return Math.exp(this.uniform(Math.log(min), Math.log(max)));
  }
  /** Standard normal via Box–Muller. */
  normal(): number {
    const u = 1 - this.uniform01();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform01());
  }
}

/** What was injected on a day of a labelled series. */
export type SeriesEventKind = "spike" | "shift-up" | "shift-down" | "small-rise" | "monthly-charge";

/** A labelled daily series: `positives` are the day indexes a good detector should alert on. */
export interface LabelledSeries {
  seed: number;
  startDate: IsoDate;
  usd: number[];
  events: { day: number; kind: SeriesEventKind; increaseUsd: number }[];
  /**
   * Days of one-day spikes and first days of upward level shifts; never a shift's later days.
   * With monthly charges, also each charge's first day (a new subscription is worth one alert),
   * never its later monthly days.
   */
  positives: Set<number>;
  /** First days of monthly recurring charges (also in `positives`); empty without charges. */
  firstChargeDays: Set<number>;
  /** Later days of monthly recurring charges: an alert there is a false alarm. */
  recurringChargeDays: Set<number>;
  /** Days before this are warm-up: no events are injected and benchmarks do not score them. */
  warmupDays: number;
}

/** Weekly multipliers: flat, busier weekends (customer traffic) or quieter weekends (internal tools). */
function weeklyProfile(random: Random): number[] {
  if (random.chance(0.3)) return [1, 1, 1, 1, 1, 1, 1];
  const amplitude = random.uniform(0.1, 0.4);
  const sign = random.chance(0.5) ? 1 : -1;
  // Sunday … Saturday; Friday is half-way into the weekend effect.
  const shape = [1, 0, 0, 0, 0, 0.5, 1];
  return shape.map((s) => 1 + sign * amplitude * s + random.uniform(-0.03, 0.03));
}

/** Options of `generateLabelledSeries`. */
export interface LabelledSeriesOptions {
  /**
   * Add 1–3 monthly recurring charges (subscriptions, support plans, marketplace add-ons) on
   * top of the same series: same seed, same base, spikes and shifts, so figures with and
   * without them compare like for like.
   */
  monthlyCharges?: boolean;
}

// Days of the month charges are anchored on: the 1st most often (billing-cycle add-ons), the
// middle of the month, and the month-end days whose recurrence shorter months clamp.
const CHARGE_ANCHOR_DAYS = [1, 1, 1, 15, 28, 30, 31];

/**
 * Adds monthly charges to `series` in place, from a random source of their own so the base
 * series is unchanged. Each charge starts on its anchor day's first occurrence after warm-up
 * and recurs on that day of every month (the month's last day when shorter). It is sized like a
 * spike (≥ 35% of the day's cost and ≥ $1.50) so its first day is unambiguously alert-worthy.
 */
function addMonthlyCharges(series: LabelledSeries, random: Random, level: number): void {
  const count = random.int(1, 3);
  const anchors = new Set<number>();
  for (let i = 0; i < count; i++) anchors.add(i === 0 ? random.pick(CHARGE_ANCHOR_DAYS) : random.int(1, 31));
  for (const anchor of anchors) {
    const amount = roundUsd(Math.max(level * random.uniform(0.35, 2), random.uniform(1.5, 10)));
    let first = true;
    for (let day = series.warmupDays; day < series.usd.length; day++) {
      const date = addDays(series.startDate, day);
      const dayOfMonth = Number(date.slice(8, 10));
      const monthDays = daysInMonth(date.slice(0, 7));
      if (dayOfMonth !== Math.min(anchor, monthDays)) continue;
      series.usd[day] = roundUsd(series.usd[day] + amount);
      series.events.push({ day, kind: "monthly-charge", increaseUsd: amount });
      if (first) {
        series.firstChargeDays.add(day);
        series.positives.add(day);
        first = false;
      } else if (!series.positives.has(day)) {
        series.recurringChargeDays.add(day);
      }
    }
  }
}

/**
 * One labelled series of `days` daily costs. Events are at least 10 days apart, after a
 * 21-day warm-up, and sized well clear of the alert rule (≥ 35% and ≥ $1.50 for positives;
 * "small rises" are ≤ 8% or ≤ $0.60) so the labels are unambiguous.
 */
export function generateLabelledSeries(seed: number, days = 180, options: LabelledSeriesOptions = {}): LabelledSeries {
  const random = new Random(seed);
  const warmupDays = 21;
  const startDate = addDays("2026-01-01", random.int(0, 364));
  const startWeekday = weekdayOf(startDate);
  const profile = weeklyProfile(random);
  const noise = random.uniform(0.02, 0.08);
  let level = random.logUniform(3, 300);
  const startLevel = level;

  const events: LabelledSeries["events"] = [];
  const positives = new Set<number>();
  const usd: number[] = [];
  let nextEventDay = warmupDays + random.int(0, 10);
  for (let day = 0; day < days; day++) {
    let spikeUsd = 0;
    const weekly = profile[(startWeekday + day) % 7];
    if (day === nextEventDay) {
      nextEventDay += random.int(10, 30);
      const kind = random.pick<SeriesEventKind>(["spike", "spike", "shift-up", "shift-down", "small-rise"]);
      const expected = level * weekly;
      if (kind === "spike") {
        spikeUsd = Math.max(expected * random.uniform(0.35, 2), random.uniform(1.5, 5));
        positives.add(day);
        events.push({ day, kind, increaseUsd: spikeUsd });
      } else if (kind === "shift-up") {
        const increase = Math.max(level * random.uniform(0.35, 1), random.uniform(1.5, 5));
        level += increase;
        positives.add(day);
        events.push({ day, kind, increaseUsd: increase });
      } else if (kind === "shift-down") {
        const decrease = level * random.uniform(0.2, 0.5);
        level -= decrease;
        events.push({ day, kind, increaseUsd: -decrease });
      } else {
        const increase = Math.min(level * 0.08, 0.6) * random.uniform(0.5, 1);
        level += increase;
        events.push({ day, kind, increaseUsd: increase });
      }
    }
    const value = level * weekly * Math.max(0.5, 1 + noise * random.normal()) + spikeUsd;
    usd.push(roundUsd(value));
  }
  const series: LabelledSeries = { seed, startDate, usd, events, positives, warmupDays, firstChargeDays: new Set(), recurringChargeDays: new Set() };
  // Charges are sized against the starting level, before any shift, like a plan bought on day one.
  if (options.monthlyCharges) addMonthlyCharges(series, new Random(seed * 7919 + 17), startLevel);
  return series;
}

/** A billing month with its full truth, for forecasting benchmarks. */
export interface SyntheticMonth {
  seed: number;
  billingMonth: BillingMonth;
  /** Every fixed resource of the month, including adds and deletes a forecaster cannot know yet. */
  fixedResources: FixedResource[];
  /** Daily usage cost from 14 days before the month to its last day. */
  usageDaily: DailyCost[];
  /** Whether resources were added or removed during the month. */
  changesMidMonth: boolean;
  /** The invoice total: every fixed resource capped at 672 h, plus all usage days of the month. */
  truthUsd: number;
}

// Monthly prices of common DigitalOcean resources (droplets, managed databases, load balancer,
// volumes), from https://www.digitalocean.com/pricing as of 2026-11-27; only their spread matters here.
const FIXED_PRICES_USD = [4, 6, 12, 18, 24, 48, 63, 96, 15, 30, 61, 12, 10, 20];

/** Fixed cost of `resources` between the month start and `until`, capped per resource. */
export function fixedCostUntil(month: BillingMonth, resources: readonly FixedResource[], until: Date): number {
  return sumUsd(
    resources.map((r) => {
      const from = r.createdAt ?? monthStart(month);
      const to = new Date(Math.min((r.deletedAt ?? monthEnd(month)).getTime(), until.getTime()));
      return roundUsd(cappedMonthlyCostUsd(r.monthlyUsd, hoursOfMonthWithin(month, from, to)));
    }),
  );
}

/**
 * One synthetic month: 2–12 fixed resources, in half of the months 1–3 of them added or
 * deleted at a random hour, and a usage series with a weekly rhythm, noise and rare spikes.
 */
export function generateMonth(seed: number): SyntheticMonth {
  const random = new Random(seed);
  const billingMonth = billingMonthOf(new Date(Date.UTC(2025 + random.int(0, 2), random.int(0, 11), 1)));
  const start = monthStart(billingMonth).getTime();
  const monthHours = daysInMonth(billingMonth) * 24;
  const atRandomHour = () => new Date(start + random.int(1, monthHours - 1) * 3_600_000);

  const fixedResources: FixedResource[] = Array.from({ length: random.int(2, 12) }, (_, i) => ({
    id: `res-${i}`,
    monthlyUsd: random.pick(FIXED_PRICES_USD),
  }));
  const changesMidMonth = random.chance(0.5);
  if (changesMidMonth) {
    for (let change = random.int(1, 3); change > 0; change--) {
      if (random.chance(0.5)) {
        fixedResources.push({ id: `res-${fixedResources.length}`, monthlyUsd: random.pick(FIXED_PRICES_USD), createdAt: atRandomHour() });
      } else {
        const candidate = random.pick(fixedResources);
        const deletedAt = atRandomHour();
        if (!candidate.deletedAt && (!candidate.createdAt || candidate.createdAt < deletedAt)) candidate.deletedAt = deletedAt;
      }
    }
  }

  const profile = weeklyProfile(random);
  const noise = random.uniform(0.03, 0.15);
  const usageLevel = random.logUniform(0.5, 20);
  const firstDate = addDays(isoDate(monthStart(billingMonth)), -14);
  const usageDaily: DailyCost[] = [];
  for (let day = 0; day < 14 + daysInMonth(billingMonth); day++) {
    const date = addDays(firstDate, day);
    const spike = random.chance(0.03) ? usageLevel * random.uniform(0.5, 3) : 0;
    const usd = usageLevel * profile[weekdayOf(date)] * Math.max(0.3, 1 + noise * random.normal()) + spike;
    usageDaily.push({ date, usd: roundUsd(usd) });
  }
  const usageInMonth = usageDaily.filter((d) => billingMonthOf(parseIsoDate(d.date)) === billingMonth);
  const truthUsd = sumUsd([fixedCostUntil(billingMonth, fixedResources, monthEnd(billingMonth)), ...usageInMonth.map((d) => d.usd)]);
  return { seed, billingMonth, fixedResources, usageDaily, changesMidMonth, truthUsd };
}
