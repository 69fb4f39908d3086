/**
 * What a Droplet (or a Kubernetes node built on one) costs for the hours it existed in a billing
 * month. CPU Droplets bill per second up to a 672-hour monthly cap (core/hourly-billing.ts, the
 * one home of that rule). GPU Droplets have no such cap: DigitalOcean's Droplet pricing page
 * prices them per hour only, and `GET /v2/sizes` gives their monthly price as hourly × 744
 * (catalog section `gpuDropletBilling`, with its source). So a GPU Droplet that runs all month
 * costs hourly × the month's hours: more in a 31-day month than in February.
 */
import { cappedMonthlyCostUsd, MONTHLY_CAP_HOURS } from "../hourly-billing";
import { defaultCatalog, type PriceCatalog } from "./catalog";

/** Hours after which a Droplet size stops accruing charges in a month; null when it never stops (GPU). */
export function dropletMonthlyCapHours(slug: string, catalog: PriceCatalog = defaultCatalog): number | null {
  return catalog.isGpuDroplet(slug) ? null : MONTHLY_CAP_HOURS;
}

/**
 * USD charged for `hours` of a Droplet size within one month; undefined for a size the catalog
 * does not know (never 0). Throws on negative or non-finite hours, naming the value.
 */
export function dropletCostForHoursUsd(slug: string, hours: number, catalog: PriceCatalog = defaultCatalog): number | undefined {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`hours must be a finite number >= 0 (got ${hours})`);
  const size = catalog.dropletSize(slug);
  if (!size) return undefined;
  if (dropletMonthlyCapHours(slug, catalog) === null) return size.hourlyUsd * hours;
  return cappedMonthlyCostUsd(size.monthlyUsd, hours);
}
