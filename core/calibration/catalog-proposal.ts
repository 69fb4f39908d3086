/**
 * Catalog rows proposed from realised prices (issue 11 item 3): a drifted slug gets its row
 * corrected, a slug the catalog does not know gets a new row, each citing "invoice <month>,
 * N resources". A row whose price rests on an official page is never overwritten silently: it
 * is listed as a conflict for a person to review, and changed only when they ask for it.
 * Pure: scripts/refresh-prices.ts reads and writes the files.
 */
import { MONTHLY_CAP_HOURS } from "../hourly-billing";
import { roundUsd } from "../money";
import { createPriceCatalog, effectiveSource, type PriceCatalogData, type PriceSource, type RowSource } from "../pricing/catalog";
import type { CalibrationVerdict } from "./realised-prices";

/** One slug as `tracker calibrate --json` writes it (version 1). */
export interface CalibratedSlug {
  product: string;
  slug: string;
  catalogMonthlyUsd: number | null;
  invoicedMonthlyUsd: number;
  driftPct: number | null;
  resources: number;
  verdict: CalibrationVerdict;
}

/** The calibration a proposal is made from: the JSON of `tracker calibrate --json`, or the store's record. */
export interface CalibrationDocument {
  version: 1;
  /** The invoice's month, YYYY-MM. */
  billingMonth: string;
  slugs: CalibratedSlug[];
}

/** One proposed change of prices.json. */
export interface CatalogProposal {
  /** Where in prices.json, e.g. `droplets.sizes[s-2vcpu-4gb]`. */
  path: string;
  kind: "add" | "correct";
  before: unknown;
  after: unknown;
  /** "invoice 2026-11, 3 resources". */
  citation: string;
  /** Set when the row cites an official page: the proposal is then only applied on request. */
  officialSource?: string;
  /** False for conflicts left for review. */
  applied: boolean;
}

/** The proposal and the catalog with every applied change. */
export interface CatalogProposalResult {
  proposals: CatalogProposal[];
  catalog: PriceCatalogData;
  /** Calibrated slugs no catalog row can hold (e.g. a load balancer section price), with why. */
  skipped: { product: string; slug: string; reason: string }[];
}

/** Where the invoice rows point: DigitalOcean's invoice API (the row is DigitalOcean's own bill). */
export const INVOICE_SOURCE_URL = "https://api.digitalocean.com/v2/customers/my/invoices";

function citationOf(month: string, resources: number): string {
  return `invoice ${month}, ${resources} resource${resources === 1 ? "" : "s"}`;
}

function rowSource(month: string, resources: number, asOf: string): Required<Pick<PriceSource, "source" | "asOf" | "sourceKind" | "note">> {
  return {
    source: INVOICE_SOURCE_URL,
    asOf,
    // What DigitalOcean billed is its own statement of the price, so the row is no longer "unconfirmed".
    sourceKind: "official",
    note: `${citationOf(month, resources)}: realised price (amount ÷ billed hours, normalised to a month by the hourly cap rule of core/hourly-billing.ts)`,
  };
}

function isInvoiceSourced(source: PriceSource): boolean {
  return source.source === INVOICE_SOURCE_URL;
}

/**
 * Proposes catalog rows for every `drift` and `unknown-in-catalog` slug of `calibration`.
 * `asOf` is today (YYYY-MM-DD). A row resting on an official page other than an earlier invoice
 * is a conflict, applied only with `overrideOfficial`. The returned catalog validates.
 */
export function proposeCatalogRows(
  catalogData: PriceCatalogData,
  calibration: CalibrationDocument,
  asOf: string,
  options: { overrideOfficial?: boolean } = {},
): CatalogProposalResult {
  if (calibration.version !== 1) throw new Error(`calibration.version must be 1 (got ${JSON.stringify(calibration.version)})`);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(calibration.billingMonth ?? "")) throw new Error(`calibration.billingMonth must be YYYY-MM (got ${JSON.stringify(calibration.billingMonth)})`);
  const data: PriceCatalogData = JSON.parse(JSON.stringify(catalogData)) as PriceCatalogData;
  const catalog = createPriceCatalog(data);
  const proposals: CatalogProposal[] = [];
  const skipped: CatalogProposalResult["skipped"] = [];
  const month = calibration.billingMonth;

  /** Corrects or adds one slug row of `rows`; `section` is the source the row falls back to. */
  const upsertRow = <Row extends RowSource & { slug: string }>(path: string, rows: Row[], section: PriceSource, slug: string, prices: Partial<Row>, fresh: Row, resources: number) => {
    const citation = citationOf(month, resources);
    const index = rows.findIndex((row) => row.slug === slug);
    const source = rowSource(month, resources, asOf);
    if (index === -1) {
      const added = { ...fresh, ...source } as Row;
      rows.push(added);
      proposals.push({ path: `${path}[${slug}]`, kind: "add", before: null, after: added, citation, applied: true });
      return;
    }
    const before = rows[index]!;
    const effective = effectiveSource(section, before);
    const official = effective.sourceKind === "official" && !isInvoiceSourced(effective);
    const after = { ...before, ...prices, ...source } as Row;
    const applied = !official || options.overrideOfficial === true;
    if (applied) rows[index] = after;
    proposals.push({ path: `${path}[${slug}]`, kind: "correct", before, after, citation, ...(official ? { officialSource: effective.source } : {}), applied });
  };

  for (const entry of calibration.slugs) {
    if (entry.verdict === "ok") continue;
    const monthly = roundUsd(entry.invoicedMonthlyUsd);
    switch (entry.product) {
      case "Droplets": {
        // The catalog's hourly figure is the monthly over the hours a month bills (672, or 744 for GPU).
        const hours = catalog.isGpuDroplet(entry.slug) ? data.gpuDropletBilling.maxBilledHoursPerMonth : MONTHLY_CAP_HOURS;
        const hourlyUsd = Number((monthly / hours).toFixed(5));
        upsertRow("droplets.sizes", data.droplets.sizes, data.droplets, entry.slug, { monthlyUsd: monthly, hourlyUsd }, { slug: entry.slug, monthlyUsd: monthly, hourlyUsd }, entry.resources);
        break;
      }
      case "App Platform":
        upsertRow("appPlatformInstanceSizes.sizes", data.appPlatformInstanceSizes.sizes, data.appPlatformInstanceSizes, entry.slug, { monthlyUsd: monthly }, { slug: entry.slug, monthlyUsd: monthly }, entry.resources);
        break;
      case "Managed Databases": {
        const [engine, size] = entry.slug.split(":");
        const prices = engine ? data.databases.engines[engine] : undefined;
        if (!engine || !size || !prices) {
          skipped.push({ product: entry.product, slug: entry.slug, reason: `no database engine section for ${JSON.stringify(engine)} (slugs are engine:size)` });
          break;
        }
        const section = effectiveSource(data.databases, prices);
        upsertRow(`databases.engines.${engine}.sizes`, prices.sizes, section, size, { monthlyUsdPerNode: monthly }, { slug: size, monthlyUsdPerNode: monthly, includedStorageGiB: null }, entry.resources);
        break;
      }
      default:
        // Load balancer nodes and volume GiB are section prices, not slug rows: a person decides.
        skipped.push({ product: entry.product, slug: entry.slug, reason: `${entry.product} prices are one section figure, not a row per slug: review it by hand (invoiced $${monthly}/month, ${citationOf(month, entry.resources)})` });
    }
  }
  createPriceCatalog(data);
  return { proposals, catalog: data, skipped };
}

/** The proposal as a reviewable diff: `-`/`+` rows of prices.json, conflicts marked `!`. */
export function formatProposalDiff(result: CatalogProposalResult): string[] {
  const lines: string[] = [];
  for (const proposal of result.proposals) {
    const header = proposal.applied
      ? `@@ ${proposal.path} (${proposal.kind === "add" ? "new slug" : "corrected price"}; ${proposal.citation})`
      : `!! ${proposal.path} cites an official page (${proposal.officialSource}): not changed; pass --override-official after checking it (${proposal.citation})`;
    lines.push(header);
    if (proposal.before !== null) lines.push(`- ${JSON.stringify(proposal.before)}`);
    lines.push(`+ ${JSON.stringify(proposal.after)}`);
  }
  for (const skip of result.skipped) lines.push(`?? ${skip.product} ${skip.slug}: ${skip.reason}`);
  if (lines.length === 0) lines.push("no change: every calibrated slug is within tolerance of the catalog");
  return lines;
}
