/**
 * DigitalOcean bills droplet-style resources by the hour up to a monthly cap: a resource
 * that runs 672 hours (28 days × 24) or more in a calendar month costs its monthly price.
 * Source: https://docs.digitalocean.com/platform/billing/ ("hourly billing … capped at 672 hours"),
 * as of 2026-11-27. This is the one place that rule lives; pricing and forecasting both call it.
 */
export const MONTHLY_CAP_HOURS = 672;

/** Cost of running a resource `hours` hours in one billing month, capped at its monthly price. */
export function cappedMonthlyCostUsd(monthlyPriceUsd: number, hours: number): number {
  if (hours < 0) throw new RangeError(`hours must be >= 0 (got ${hours})`);
  if (hours >= MONTHLY_CAP_HOURS) return monthlyPriceUsd;
  return (monthlyPriceUsd / MONTHLY_CAP_HOURS) * hours;
}
