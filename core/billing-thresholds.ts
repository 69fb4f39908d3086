/**
 * Month-to-date billing thresholds. DigitalOcean has no API for billing alerts or budgets
 * (DO-API-NOTES.md), so the tracker decides itself when spend has crossed a threshold, and
 * records each notification under an idempotence key so a rerun never sends it twice.
 */
import { parseBillingMonth, type BillingMonth } from "./calendar";
import { toCents } from "./money";

/**
 * One progressive month-to-date threshold. Who hears about it is the caller's business (the
 * tracker's config carries recipients alongside); thresholds are validated where config is read.
 */
export interface BillingThreshold {
  /** Stable identifier; part of the idempotence key, so renaming it re-arms the threshold. */
  id: string;
  /** Month-to-date spend in USD at which the threshold fires. */
  amountUsd: number;
}

/**
 * Default threshold amounts in USD.
 * Source: product decision, issue #2/#4, 2026-11-27.
 */
export const DEFAULT_THRESHOLD_AMOUNTS_USD: readonly number[] = [10, 50, 150, 200];

/**
 * Every threshold at or below the month-to-date spend that has not fired yet this billing
 * month, in ascending order. A jump from $5 to $160 returns $10, $50 and $150 together: a
 * threshold is never skipped because spend passed it between two runs. Compared in cents so
 * $50.00 MTD does fire the $50 threshold despite floating-point noise.
 */
export function crossedThresholds<Threshold extends BillingThreshold>(
  mtdUsd: number,
  thresholds: readonly Threshold[],
  alreadyFiredIds: Iterable<string>,
): Threshold[] {
  const fired = new Set(alreadyFiredIds);
  const mtdCents = toCents(mtdUsd);
  return thresholds
    .filter((threshold) => toCents(threshold.amountUsd) <= mtdCents && !fired.has(threshold.id))
    .sort((a, b) => a.amountUsd - b.amountUsd);
}

/**
 * Whether the month-end projection is over budget, i.e. the forecast alert should fire.
 * Strictly greater (in cents): a projection exactly on budget is on plan, not an overrun.
 */
export function forecastExceedsBudget(projection: { projectedUsd: number }, budgetUsd: number): boolean {
  if (!Number.isFinite(budgetUsd) || budgetUsd <= 0) throw new RangeError(`budgetUsd must be a positive number (got ${budgetUsd})`);
  return toCents(projection.projectedUsd) > toCents(budgetUsd);
}

/** What every event key of one threshold starts with, whatever the month: how "last fired" finds its events. */
export function thresholdEventKeyPrefix(thresholdId: string): string {
  return `threshold:${thresholdId}:`;
}

/** Idempotence key of a threshold notification: one per threshold per billing month. */
export function thresholdEventKey(thresholdId: string, billingMonth: BillingMonth): string {
  parseBillingMonth(billingMonth);
  return `${thresholdEventKeyPrefix(thresholdId)}${billingMonth}`;
}

/** What every forecast event key starts with, whatever the month. */
export const FORECAST_EVENT_KEY_PREFIX = "forecast:";

/** Idempotence key of the forecast-over-budget notification: at most one per billing month. */
export function forecastEventKey(billingMonth: BillingMonth): string {
  parseBillingMonth(billingMonth);
  return `${FORECAST_EVENT_KEY_PREFIX}${billingMonth}`;
}
