/**
 * Realised unit prices: what DigitalOcean actually charged per hour and per month for a size,
 * read from invoice items joined with the inventory, and compared with the catalog's price for
 * the same inputs. A wrong catalog row is then caught by the tool itself within a day of the
 * first invoice item (issue 11).
 *
 * Rules kept in one place each and reused here, never copied:
 *  - the monthly cap (672 h for CPU Droplets and everything billed like them, none for GPU
 *    Droplets): core/hourly-billing `cappedMonthlyCostUsd` and core/pricing `dropletMonthlyCapHours`;
 *  - the catalog price of a resource: core/pricing `estimateResource` with the same inputs the
 *    plan and the policy pack use.
 *
 * Pure: the tracker's adapter (functions/src/tracker/calibrate.ts) reads the API.
 */
import { cappedMonthlyCostUsd } from "../hourly-billing";
import { roundUsd } from "../money";
import { dropletMonthlyCapHours, estimateResource, type PriceCatalog } from "../pricing";

/** The invoice item fields used (`billing/models/invoice_item.yml`); amounts and durations are strings as the API sends them. */
export interface InvoiceLine {
  product?: string;
  resource_uuid?: string;
  resource_id?: string;
  description?: string;
  amount?: string;
  duration?: string;
  duration_unit?: string;
  start_time?: string;
  end_time?: string;
}

/** Invoice products whose hourly charge is a size's price (usage lines such as bandwidth are not). */
export type CalibratedProduct = "Droplets" | "Managed Databases" | "Load Balancers" | "Volumes" | "App Platform";

/** One billable resource from the inventory, described as the estimator prices it. */
export interface InventoryResource {
  product: CalibratedProduct;
  /** The ids an invoice item may name it by (a droplet's id; everything else's uuid). */
  keys: string[];
  /** What is calibrated: the size slug (`s-2vcpu-4gb`, `pg:db-s-2vcpu-4gb`, `lb-small`, `100gib`, …). */
  slug: string;
  /**
   * How many priced units of the slug the resource holds (database nodes, app instances; 1
   * otherwise), so a slug's price is per unit whatever the count.
   */
  units: number;
  /** Pulumi type token and inputs core/pricing prices the resource from. */
  type: string;
  inputs: Record<string, unknown>;
  /** Droplet size slug when the cap rule depends on it (GPU Droplets have none). */
  dropletSize?: string;
  region?: string;
}

/** `ok` within ±1% or $0.05 a month of the catalog, `drift` beyond, `unknown-in-catalog` when the catalog cannot price it. */
export type CalibrationVerdict = "ok" | "drift" | "unknown-in-catalog";

/**
 * Tolerance of an `ok` verdict: ±1% or $0.05 a month, whichever is larger. Source: issue 11's
 * acceptance rule (do-cost-guard, 2026-11-29); $0.05 absorbs the cent rounding of a partial
 * month's invoice amount scaled up to a full month.
 */
export const CALIBRATION_TOLERANCE = { fraction: 0.01, usd: 0.05 } as const;

/** One product + slug: catalog against invoice, per unit and per full month. */
export interface SlugCalibration {
  product: CalibratedProduct;
  slug: string;
  /** The catalog's price per unit per month; null when it cannot price the slug. */
  catalogMonthlyUsd: number | null;
  /** What DigitalOcean billed per unit, normalised to a full month by the cap rule. */
  invoicedMonthlyUsd: number;
  /** What DigitalOcean billed per unit per hour (amount ÷ billed hours). */
  invoicedHourlyUsd: number;
  /** (invoiced − catalog) ÷ catalog × 100, two decimals; null when the catalog has no price. */
  driftPct: number | null;
  /** invoiced − catalog per unit per month; null when the catalog has no price. */
  driftMonthlyUsd: number | null;
  /** Resources of the slug the invoice billed. */
  resources: number;
  /** Units those resources hold (nodes, instances, or one each). */
  units: number;
  verdict: CalibrationVerdict;
  /** The inputs of one resource of the slug, so a proposal can name the catalog row (engine, node count …). */
  sample: Pick<InventoryResource, "type" | "inputs">;
}

/** The outcome of one calibration. */
export interface CalibrationReport {
  slugs: SlugCalibration[];
  /** Invoice items of calibrated products whose resource is not in the inventory (deleted, or not listed). */
  unmatchedItems: number;
}

const HOURS_UNIT = /^hours?$/i;
// Lines of a resource that are not its size's price: they are components (issue 11 item 4), not calibration input.
const COMPONENT_LINE = /backup|snapshot|bandwidth|transfer|overage/i;

function amountOf(item: InvoiceLine, index: number): number {
  const value = Number(item.amount ?? "");
  if (!Number.isFinite(value)) throw new Error(`invoice_items[${index}].amount must be a decimal string (got ${JSON.stringify(item.amount)})`);
  return value;
}

/**
 * The share of a full month's price that `hours` of billing cost, by the estimator's own rules:
 * capped at 672 hours (core/hourly-billing) except GPU Droplets, billed every hour of a
 * `maxBilledHoursPerMonth`-hour month as core/pricing prices them.
 */
export function monthFractionBilled(hours: number, catalog: PriceCatalog, dropletSize?: string): number {
  if (dropletSize !== undefined && dropletMonthlyCapHours(dropletSize, catalog) === null) {
    return hours / catalog.data.gpuDropletBilling.maxBilledHoursPerMonth;
  }
  // The cap rule is linear in the price: the cost of `hours` at a $1 monthly price is the share of the month.
  return cappedMonthlyCostUsd(1, hours);
}

interface Billed {
  resource: InventoryResource;
  amountUsd: number;
  hours: number;
}

/** Sums each inventory resource's hourly size charges; counts the items no listed resource claims. */
function billedResources(items: readonly InvoiceLine[], inventory: readonly InventoryResource[]): { billed: Billed[]; unmatchedItems: number } {
  const byKey = new Map<string, InventoryResource>();
  for (const resource of inventory) for (const key of resource.keys) byKey.set(`${resource.product}\u0000${key}`, resource);
  const sums = new Map<InventoryResource, Billed>();
  let unmatchedItems = 0;
  items.forEach((item, index) => {
    const product = item.product ?? "";
    const hours = Number(item.duration ?? "");
    if (!HOURS_UNIT.test(item.duration_unit ?? "") || !(hours > 0) || COMPONENT_LINE.test(item.description ?? "")) return;
    const amountUsd = amountOf(item, index);
    if (amountUsd <= 0) return;
    // Droplets are named by id on invoices (their uuid is internal), everything else by uuid.
    const resource = [item.resource_id, item.resource_uuid].map((key) => (key ? byKey.get(`${product}\u0000${key}`) : undefined)).find((found) => found !== undefined);
    if (!resource) {
      if (isCalibratedProduct(product)) unmatchedItems += 1;
      return;
    }
    // A droplet resized during the month has items for its old size too: those are not the current size's price.
    const billedSize = resource.dropletSize !== undefined ? /\(([a-z0-9][a-z0-9-]*)\)\s*$/.exec(item.description ?? "")?.[1] : undefined;
    if (billedSize !== undefined && billedSize !== resource.dropletSize && /\d+gb/.test(billedSize)) return;
    const sum = sums.get(resource) ?? { resource, amountUsd: 0, hours: 0 };
    sum.amountUsd += amountUsd;
    sum.hours += hours;
    sums.set(resource, sum);
  });
  return { billed: [...sums.values()], unmatchedItems };
}

const PRODUCTS: readonly CalibratedProduct[] = ["Droplets", "Managed Databases", "Load Balancers", "Volumes", "App Platform"];

function isCalibratedProduct(product: string): product is CalibratedProduct {
  return (PRODUCTS as readonly string[]).includes(product);
}

/** The verdict for a per-unit catalog and invoiced monthly price (see {@link CALIBRATION_TOLERANCE}). */
export function calibrationVerdict(catalogMonthlyUsd: number | null, invoicedMonthlyUsd: number): CalibrationVerdict {
  if (catalogMonthlyUsd === null) return "unknown-in-catalog";
  const allowed = Math.max(Math.abs(catalogMonthlyUsd) * CALIBRATION_TOLERANCE.fraction, CALIBRATION_TOLERANCE.usd);
  // A hair of float noise must not turn an exact 1% into a drift.
  return Math.abs(invoicedMonthlyUsd - catalogMonthlyUsd) <= allowed + 1e-9 ? "ok" : "drift";
}

/**
 * Realised unit prices per product + slug from `items` (one month of invoice items) joined
 * with `inventory`, each compared with the catalog. Only hourly size charges count: backups,
 * snapshots and transfer lines are left to the stack reconciliation. Sorted by product, slug.
 */
export function calibrate(items: readonly InvoiceLine[], inventory: readonly InventoryResource[], catalog: PriceCatalog): CalibrationReport {
  const { billed, unmatchedItems } = billedResources(items, inventory);
  const groups = new Map<string, Billed[]>();
  for (const entry of billed) {
    const key = `${entry.resource.product}\u0000${entry.resource.slug}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const slugs: SlugCalibration[] = [];
  for (const entries of groups.values()) {
    const first = entries[0]!.resource;
    let units = 0;
    let invoicedMonthly = 0;
    let catalogMonthly: number | null = 0;
    for (const { resource, amountUsd, hours } of entries) {
      units += resource.units;
      invoicedMonthly += amountUsd / monthFractionBilled(hours, catalog, resource.dropletSize);
      const estimate = estimateResource(resource.type, resource.inputs, catalog).monthlyUsd;
      catalogMonthly = catalogMonthly === null || estimate === null ? null : catalogMonthly + estimate;
    }
    const catalogPerUnit = catalogMonthly === null ? null : roundUsd(catalogMonthly / units);
    // Rounded to cents like every price the catalog and the invoice state.
    const invoicedPerUnit = roundUsd(invoicedMonthly / units);
    const driftMonthlyUsd = catalogPerUnit === null ? null : roundUsd(invoicedPerUnit - catalogPerUnit);
    slugs.push({
      product: first.product,
      slug: first.slug,
      catalogMonthlyUsd: catalogPerUnit,
      invoicedMonthlyUsd: invoicedPerUnit,
      // An hour's share of the month by the same rule: the price DigitalOcean bills per hour.
      invoicedHourlyUsd: Number(((invoicedMonthly / units) * monthFractionBilled(1, catalog, first.dropletSize)).toFixed(5)),
      driftPct: catalogPerUnit === null || catalogPerUnit === 0 ? null : Math.round(((invoicedPerUnit - catalogPerUnit) / catalogPerUnit) * 10_000) / 100,
      driftMonthlyUsd,
      resources: entries.length,
      units,
      verdict: calibrationVerdict(catalogPerUnit, invoicedPerUnit),
      sample: { type: first.type, inputs: first.inputs },
    });
  }
  slugs.sort((a, b) => (a.product === b.product ? (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0) : a.product < b.product ? -1 : 1));
  return { slugs, unmatchedItems };
}
