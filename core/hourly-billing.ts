/**
 * DigitalOcean bills droplet-style resources for the time they exist, up to a monthly cap: a
 * resource that exists 672 hours (28 days × 24) or more in a calendar month costs its monthly
 * price, and the hourly price is the monthly price / 672. Since 2026-01-01 the time is counted
 * per second (minimum 60 s or $0.01) instead of per started hour, so `hours` may be fractional.
 * Sources: DigitalOcean's pricing page as quoted by DigitalOcean staff in
 * https://www.digitalocean.com/community/questions/why-is-pricing-shown-as-monthly-and-hourly-price
 * ("All Droplets are billed hourly up to a monthly cap of 672 hours (the number of hours in 4 weeks)"),
 * read 2026-11-29; https://www.digitalocean.com/community/questions/how-billing-works-for-1-hour
 * (DigitalOcean staff answer on per-second billing from 2026-01-01), read 2026-11-27. This is the one place that
 * rule lives; pricing and forecasting both call it.
 */
export const MONTHLY_CAP_HOURS = 672;

/** Cost of running a resource `hours` hours in one billing month, capped at its monthly price. */
export function cappedMonthlyCostUsd(monthlyPriceUsd: number, hours: number): number {
  if (hours < 0) throw new RangeError(`hours must be >= 0 (got ${hours})`);
  if (hours >= MONTHLY_CAP_HOURS) return monthlyPriceUsd;
  return (monthlyPriceUsd / MONTHLY_CAP_HOURS) * hours;
}
