/**
 * Month-to-date billing thresholds. DigitalOcean has no API for billing alerts or budgets
 * (DO-API-NOTES.md), so the tracker decides itself when spend has crossed a threshold, and
 * records each notification under an idempotence key so a rerun never sends it twice.
 */
import { parseBillingMonth, type BillingMonth } from "./calendar";
import { toCents } from "./money";

/** One progressive month-to-date threshold and who hears about it. */
export interface BillingThreshold {
  /** Stable identifier; part of the idempotence key, so renaming it re-arms the threshold. */
  id: string;
  /** Month-to-date spend in USD at which the threshold fires. */
  amountUsd: number;
  /** Notification channel names (resolved by the notifier); at least one. */
  recipients: readonly string[];
}

/**
 * Default threshold amounts in USD.
 * Source: product decision, issue #2/#4, 2026-11-27.
 */
export const DEFAULT_THRESHOLD_AMOUNTS_USD: readonly number[] = [10, 50, 150, 200];

/** The default thresholds, ids "mtd-10" … "mtd-200", all sent to `recipients`. */
export function defaultThresholds(recipients: readonly string[]): BillingThreshold[] {
  return validateThresholds(
    DEFAULT_THRESHOLD_AMOUNTS_USD.map((amountUsd) => ({ id: `mtd-${amountUsd}`, amountUsd, recipients: [...recipients] })),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a thresholds list from configuration: each entry has a non-empty `id` (unique),
 * a positive finite `amountUsd` strictly greater than the previous entry's, and at least one
 * non-empty recipient. Throws on the first problem with a message naming the index, e.g.
 * `thresholds[2].amountUsd must be > thresholds[1].amountUsd (got 50 after 150)`;
 * `path` prefixes the names (the config loader passes its key).
 */
export function validateThresholds(input: unknown, path = "thresholds"): BillingThreshold[] {
  if (!Array.isArray(input)) throw new Error(`${path} must be a list of thresholds (got ${JSON.stringify(input)})`);
  const seenIds = new Map<string, number>();
  return input.map((entry: unknown, index): BillingThreshold => {
    const at = `${path}[${index}]`;
    if (!isRecord(entry)) throw new Error(`${at} must be an object {id, amountUsd, recipients} (got ${JSON.stringify(entry)})`);
    const { id, amountUsd, recipients } = entry;
    if (typeof id !== "string" || id.trim() === "") throw new Error(`${at}.id must be a non-empty string (got ${JSON.stringify(id)})`);
    const firstIndex = seenIds.get(id);
    if (firstIndex !== undefined) throw new Error(`${at}.id must be unique (got ${JSON.stringify(id)}, already used by ${path}[${firstIndex}])`);
    seenIds.set(id, index);
    if (typeof amountUsd !== "number" || !Number.isFinite(amountUsd) || amountUsd <= 0) {
      throw new Error(`${at}.amountUsd must be a positive number (got ${JSON.stringify(amountUsd)})`);
    }
    if (index > 0) {
      const previous = (input[index - 1] as { amountUsd: number }).amountUsd;
      if (amountUsd <= previous) {
        throw new Error(`${at}.amountUsd must be > ${path}[${index - 1}].amountUsd (got ${amountUsd} after ${previous})`);
      }
    }
    if (!Array.isArray(recipients) || recipients.length === 0) {
      throw new Error(`${at}.recipients must list at least one recipient (got ${JSON.stringify(recipients)})`);
    }
    recipients.forEach((recipient: unknown, r) => {
      if (typeof recipient !== "string" || recipient.trim() === "") {
        throw new Error(`${at}.recipients[${r}] must be a non-empty string (got ${JSON.stringify(recipient)})`);
      }
    });
    return { id, amountUsd, recipients: [...(recipients as string[])] };
  });
}

/**
 * Every threshold at or below the month-to-date spend that has not fired yet this billing
 * month, in ascending order. A jump from $5 to $160 returns $10, $50 and $150 together: a
 * threshold is never skipped because spend passed it between two runs. Compared in cents so
 * $50.00 MTD does fire the $50 threshold despite floating-point noise.
 */
export function crossedThresholds(
  mtdUsd: number,
  thresholds: readonly BillingThreshold[],
  alreadyFiredIds: Iterable<string>,
): BillingThreshold[] {
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

/** Idempotence key of a threshold notification: one per threshold per billing month. */
export function thresholdEventKey(thresholdId: string, billingMonth: BillingMonth): string {
  parseBillingMonth(billingMonth);
  return `threshold:${thresholdId}:${billingMonth}`;
}

/** Idempotence key of the forecast-over-budget notification: at most one per billing month. */
export function forecastEventKey(billingMonth: BillingMonth): string {
  parseBillingMonth(billingMonth);
  return `forecast:${billingMonth}`;
}
