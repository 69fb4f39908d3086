/**
 * Month-end cost projection. Most of a DigitalOcean bill is fixed monthly resources billed
 * by the hour up to a 672-hour cap, so instead of stretching month-to-date spend over the
 * month (which is wrong as soon as a resource is added or removed, and in every 29–31-day
 * month once the cap is reached) we price the rest of the month resource by resource and add
 * a usage trend for the usage-based part (bandwidth, Functions, …).
 */
import {
  billingMonthOf,
  daysInMonth,
  hoursElapsedInMonth,
  hoursOfMonthWithin,
  hoursRemainingInMonth,
  isoDate,
  monthEnd,
  monthStart,
  parseIsoDate,
  type BillingMonth,
  type IsoDate,
} from "./calendar";
import { cappedMonthlyCostUsd } from "./hourly-billing";
import { roundUsd, sumUsd } from "./money";

/** A resource billed monthly (pro-rated hourly, capped), as listed by the resource APIs. */
export interface FixedResource {
  id: string;
  /** Monthly price in USD (the cap). */
  monthlyUsd: number;
  /** When it started billing; absent = before this month. */
  createdAt?: Date;
  /** When it stopped billing; absent = still running. */
  deletedAt?: Date;
}

/** Usage-based cost of one UTC day. */
export interface DailyCost {
  date: IsoDate;
  usd: number;
}

/** Everything the projection needs; `now` is passed in so the function stays pure. */
export interface ForecastInput {
  billingMonth: BillingMonth;
  now: Date;
  /** Month-to-date spend reported by DigitalOcean (fixed and usage together). */
  monthToDateUsd: number;
  /** Fixed resources existing now or during this month; those deleted before `now` add nothing more. */
  fixedResources: readonly FixedResource[];
  /** Daily usage-based cost; only complete days (before the UTC date of `now`) are used. */
  usageDaily: readonly DailyCost[];
}

/** Tuning of the projection. */
export interface ForecastOptions {
  /**
   * How many most recent complete days of usage the daily usage rate is the mean of.
   * Default 7: one whole week, so a weekly pattern (weekend traffic) averages out instead
   * of biasing the rate by which weekday `now` falls on.
   */
  usageLookbackDays: number;
}

/** Default options (see the field docs for why). */
export const DEFAULT_FORECAST_OPTIONS: Readonly<ForecastOptions> = Object.freeze({ usageLookbackDays: 7 });

/**
 * How the usage part was projected: from the daily usage series, or — when no complete day
 * of it is available — from month-to-date spend minus the fixed part, spread over the days elapsed.
 */
export type ForecastMethod = "fixed-resources+usage-trailing-mean" | "fixed-resources+usage-run-rate";

/** One fixed resource's share of the projection. */
export interface FixedResourceProjection {
  id: string;
  /** Its cost so far this month. */
  soFarUsd: number;
  /** Its cost over the whole month (capped at its monthly price). */
  monthUsd: number;
}

/** The month-end projection and how it was formed. */
export interface MonthEndForecast {
  billingMonth: BillingMonth;
  /** Expected invoice total for the month. */
  projectedUsd: number;
  /** Whole-month cost of the known fixed resources. */
  fixedUsd: number;
  /** Everything else: usage so far and to come, plus charges not tied to a listed resource. */
  usageUsd: number;
  method: ForecastMethod;
  details: {
    monthToDateUsd: number;
    hoursElapsed: number;
    hoursRemaining: number;
    fixedSoFarUsd: number;
    fixedRemainingUsd: number;
    usageDailyRateUsd: number;
    usageRemainingUsd: number;
    /** How many days of the usage series the rate was taken from (0 for the run-rate method). */
    usageDaysUsed: number;
    resources: FixedResourceProjection[];
  };
}

/**
 * A projection without its per-resource breakdown: what a run's result keeps. The breakdown is a
 * few hundred bytes a resource, and a run over many teams holds every team's result to the end.
 */
export type MonthEndFigures = Omit<MonthEndForecast, "details"> & { details: Omit<MonthEndForecast["details"], "resources"> };

/** `forecast` without its per-resource breakdown (see {@link MonthEndFigures}). */
export function monthEndFigures(forecast: MonthEndForecast): MonthEndFigures {
  const { resources: _breakdown, ...details } = forecast.details;
  return { ...forecast, details };
}

function assertFiniteNonNegative(value: number, field: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${field} must be a finite number >= 0 (got ${value})`);
}

function validateOptions(options: ForecastOptions): void {
  if (!Number.isInteger(options.usageLookbackDays) || options.usageLookbackDays < 1) {
    throw new RangeError(`options.usageLookbackDays must be a whole number >= 1 (got ${options.usageLookbackDays})`);
  }
}

function projectResource(month: BillingMonth, now: Date, resource: FixedResource, index: number): FixedResourceProjection {
  const field = `fixedResources[${index}]`;
  assertFiniteNonNegative(resource.monthlyUsd, `${field}.monthlyUsd`);
  const from = resource.createdAt ?? monthStart(month);
  const to = resource.deletedAt ?? monthEnd(month);
  if (to.getTime() < from.getTime()) {
    throw new RangeError(`${field}.deletedAt must not be before createdAt (got ${to.toISOString()} before ${from.toISOString()})`);
  }
  const hoursSoFar = hoursOfMonthWithin(month, from, new Date(Math.min(now.getTime(), to.getTime())));
  const hoursInMonth = hoursOfMonthWithin(month, from, to);
  return {
    id: resource.id,
    soFarUsd: roundUsd(cappedMonthlyCostUsd(resource.monthlyUsd, hoursSoFar)),
    monthUsd: roundUsd(cappedMonthlyCostUsd(resource.monthlyUsd, hoursInMonth)),
  };
}

/** The usage series' complete days before `today`, newest `lookbackDays` of them. */
function recentCompleteDays(usageDaily: readonly DailyCost[], today: IsoDate, lookbackDays: number): DailyCost[] {
  usageDaily.forEach((point, index) => {
    parseIsoDate(point.date);
    if (!Number.isFinite(point.usd)) throw new RangeError(`usageDaily[${index}].usd must be a finite number (got ${point.usd})`);
  });
  return usageDaily
    .filter((point) => point.date < today)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
    .slice(-lookbackDays);
}

/**
 * Projects the month's invoice total: month-to-date spend, plus what each fixed resource will
 * still cost until month end (`cappedMonthlyCostUsd(price, hours so far + hours to come)` minus
 * its cost so far — zero once it has reached 672 hours or was deleted), plus the daily usage
 * rate (mean of the last `usageLookbackDays` complete days) times the days remaining.
 */
export function forecastMonthEnd(input: ForecastInput, options: ForecastOptions = DEFAULT_FORECAST_OPTIONS): MonthEndForecast {
  validateOptions(options);
  if (!Number.isFinite(input.monthToDateUsd)) throw new RangeError(`monthToDateUsd must be a finite number (got ${input.monthToDateUsd})`);
  const month = input.billingMonth;
  const hoursElapsed = hoursElapsedInMonth(month, input.now);
  const hoursRemaining = hoursRemainingInMonth(month, input.now);

  const resources = input.fixedResources.map((resource, index) => projectResource(month, input.now, resource, index));
  const fixedSoFarUsd = sumUsd(resources.map((r) => r.soFarUsd));
  const fixedUsd = sumUsd(resources.map((r) => r.monthUsd));
  const fixedRemainingUsd = sumUsd([fixedUsd, -fixedSoFarUsd]);

  const recentDays = recentCompleteDays(input.usageDaily, isoDate(input.now), options.usageLookbackDays);
  let method: ForecastMethod;
  let usageDailyRateUsd: number;
  if (recentDays.length > 0) {
    method = "fixed-resources+usage-trailing-mean";
    usageDailyRateUsd = sumUsd(recentDays.map((d) => d.usd)) / recentDays.length;
  } else {
    method = "fixed-resources+usage-run-rate";
    // Whatever MTD spend the fixed resources do not explain is usage; never negative, since a
    // lagging MTD figure (DigitalOcean refreshes it periodically) must not project a refund.
    const usageSoFarUsd = Math.max(0, input.monthToDateUsd - fixedSoFarUsd);
    usageDailyRateUsd = hoursElapsed > 0 ? usageSoFarUsd / (hoursElapsed / 24) : 0;
  }
  const usageRemainingUsd = roundUsd((usageDailyRateUsd * hoursRemaining) / 24);
  const projectedUsd = sumUsd([input.monthToDateUsd, fixedRemainingUsd, usageRemainingUsd]);

  return {
    billingMonth: month,
    projectedUsd,
    fixedUsd,
    usageUsd: sumUsd([projectedUsd, -fixedUsd]),
    method,
    details: {
      monthToDateUsd: input.monthToDateUsd,
      hoursElapsed,
      hoursRemaining,
      fixedSoFarUsd,
      fixedRemainingUsd,
      usageDailyRateUsd: roundUsd(usageDailyRateUsd),
      usageRemainingUsd,
      usageDaysUsed: method === "fixed-resources+usage-trailing-mean" ? recentDays.length : 0,
      resources,
    },
  };
}

/**
 * The naive baseline: month-to-date spend ÷ days elapsed × days in the month of `now`.
 * Kept as the yardstick the benchmark measures `forecastMonthEnd` against; at the very start
 * of a month (nothing elapsed) it returns the MTD spend unchanged.
 */
export function naiveRunRateForecast(mtdUsd: number, now: Date): number {
  const month = billingMonthOf(now);
  const daysElapsed = hoursElapsedInMonth(month, now) / 24;
  if (daysElapsed === 0) return mtdUsd;
  return roundUsd((mtdUsd / daysElapsed) * daysInMonth(month));
}
