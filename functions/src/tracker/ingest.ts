/**
 * The hourly ingest: read DigitalOcean (balance, every invoice-preview item, the resource
 * lists for tags), turn the running month's cumulative invoice lines into per-day costs, and
 * write snapshot, per-resource days and daily history in ONE transaction. Every API read
 * finishes before the first write, and the writes commit together, so a run that fails at any
 * point leaves nothing half-written and the next run simply catches up.
 */
import { allocateCosts, UNTAGGED, type InvoiceItem as AllocationItem } from "../../../core/allocation";
import { addDays, billingMonthOf, daysBetween, isoDate, monthStart, parseIsoDate, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { fromCents, parseUsd, toCents } from "../../../core/money";
import type { DigitalOceanClient } from "../digitalocean/client";
import type { Balance, DatabaseCluster, Droplet, InvoiceItem, InvoiceList, Volume } from "../digitalocean/types";
import { CostStore } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";
import type { BillingHistoryDay, CostBreakdown, ResourceDailyCost, SpendSnapshot } from "../store/types";

/** The client methods the tracker reads with (a subset, so tests can wrap the real client). */
export type TrackerApi = Pick<
  DigitalOceanClient,
  | "getBalance"
  | "listInvoices"
  | "listInvoiceItems"
  | "listBillingHistory"
  | "getBillingInsights"
  | "listDroplets"
  | "listDatabaseClusters"
  | "listVolumes"
  | "listKubernetesClusters"
  | "listLoadBalancers"
  | "listApps"
>;

/** Progress and warnings; lines never carry the token or a webhook URL. */
export interface TrackerLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Everything one run read from DigitalOcean, before anything is written. */
export interface AccountReading {
  balance: Balance;
  invoices: InvoiceList;
  /**
   * The invoice preview summed per resource × product (keyed by {@link lineKey}). The items
   * themselves (100,000 in a big month) are not kept: everything after the read needs only
   * these sums, so the items can be collected while the run writes.
   */
  previewLines: ReadonlyMap<string, CumulativeLine>;
  droplets: Droplet[];
  databases: DatabaseCluster[];
  volumes: Volume[];
  /** Tags by resource key (droplet id, or uuid of databases, volumes, clusters). */
  tagsByResource: Map<string, string[]>;
  /** Keys of every resource that exists now (tagged or not). */
  existingResources: Set<string>;
}

/** Reads everything `check` needs; throws (with nothing written) if any list cannot be read whole. */
export async function readAccount(api: TrackerApi, log: TrackerLog): Promise<AccountReading> {
  log.info("reading balance, invoice preview and resource lists");
  // The preview's items need nothing from the other reads, so they are fetched alongside them
  // rather than after: one round trip less on every hourly run.
  const [balance, invoices, previewItems, droplets, databases, volumes, clusters, balancers, apps] = await Promise.all([
    api.getBalance(),
    api.listInvoices(),
    api.listInvoiceItems("preview"),
    api.listDroplets(),
    api.listDatabaseClusters(),
    api.listVolumes(),
    api.listKubernetesClusters(),
    api.listLoadBalancers(),
    api.listApps(),
  ]);
  log.info(`read ${previewItems.length} invoice items and ${droplets.length + databases.length + volumes.length + clusters.length + balancers.length + apps.length} resources`);
  const tagsByResource = new Map<string, string[]>();
  const existingResources = new Set<string>();
  const note = (key: string | number | undefined, tags: readonly string[] | null | undefined) => {
    if (key === undefined) return;
    existingResources.add(String(key));
    if (tags && tags.length > 0) tagsByResource.set(String(key), [...tags]);
  };
  // Invoices name droplets by id (their uuid is internal), everything else by uuid.
  for (const droplet of droplets) note(droplet.id, droplet.tags);
  for (const database of databases) note(database.id, database.tags);
  for (const volume of volumes) note(volume.id, volume.tags);
  for (const cluster of clusters) note(cluster.id, cluster.tags);
  // Load balancers and apps cannot be tagged; they exist (for the forecast) but stay untagged.
  for (const balancer of balancers) note(balancer.id, undefined);
  for (const app of apps) note(app.id, undefined);
  return { balance, invoices, previewLines: cumulativeLines(previewItems, tagsByResource), droplets, databases, volumes, tagsByResource, existingResources };
}

/** How an invoice line is keyed to a resource: its uuid, else its id, else product + description. */
export function resourceKeyOf(item: InvoiceItem): string {
  return item.resource_uuid || item.resource_id || `${item.product ?? "(product)"}:${item.description ?? ""}`;
}

/** The key tags are looked up by: droplets carry a uuid we cannot join, so their id wins when known. */
function tagKeyOf(item: InvoiceItem, tags: ReadonlyMap<string, readonly string[]>): string | undefined {
  if (item.resource_id && tags.has(item.resource_id)) return item.resource_id;
  return item.resource_uuid || item.resource_id;
}

/** One resource × product's month-to-date amount, summed over its invoice lines. */
export interface CumulativeLine {
  resourceKey: string;
  tagKey: string | undefined;
  product: string;
  projectName: string | null;
  cents: number;
  /** Cents of its positive items billed in hours, and the most hours one of them ran: what the forecast prices the resource from (0 and 0 when none). */
  hourlyCents: number;
  hours: number;
}

/** The map key of a resource × product line. */
export function lineKey(resourceKey: string, product: string): string {
  return `${resourceKey}\u0000${product}`;
}

/** An item's amount in cents; the index is formatted into the field name only when the amount is bad. */
function itemCents(amount: string | undefined, index: number): number {
  try {
    return toCents(parseUsd(amount ?? "0", "amount"));
  } catch {
    return toCents(parseUsd(amount ?? "0", `invoice_items[${index}].amount`));
  }
}

/**
 * Sums invoice items into one line per resource × product, keyed by {@link lineKey}. A month
 * can hold 100,000 items for 2,000 lines, so items are grouped by resource, then product,
 * and a key string is built once per line rather than once per item.
 */
export function cumulativeLines(items: readonly InvoiceItem[], tags: ReadonlyMap<string, readonly string[]>): Map<string, CumulativeLine> {
  const byResource = new Map<string, Map<string, CumulativeLine>>();
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const product = item.product || "(unknown product)";
    const resourceKey = resourceKeyOf(item);
    const cents = itemCents(item.amount, index);
    let products = byResource.get(resourceKey);
    if (products === undefined) byResource.set(resourceKey, (products = new Map()));
    let line = products.get(product);
    if (line) line.cents += cents;
    else products.set(product, (line = { resourceKey, tagKey: tagKeyOf(item, tags), product, projectName: item.project_name || null, cents, hourlyCents: 0, hours: 0 }));
    const hours = Number(item.duration ?? "0");
    if (cents > 0 && hours > 0 && (item.duration_unit ?? "").toLowerCase() === "hours") {
      line.hourlyCents += cents;
      line.hours = Math.max(line.hours, hours);
    }
  }
  const lines = new Map<string, CumulativeLine>();
  for (const products of byResource.values()) for (const line of products.values()) lines.set(lineKey(line.resourceKey, line.product), line);
  return lines;
}

/**
 * Splits `cents` over `weights` (hours of each day) in whole cents, the remainder going to
 * the latest days, so the parts add up exactly.
 */
export function splitByWeight(cents: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return weights.map((_, i) => (i === weights.length - 1 ? cents : 0));
  const parts = weights.map((w) => Math.trunc((cents * w) / total));
  parts[parts.length - 1] += cents - parts.reduce((a, b) => a + b, 0);
  return parts;
}

/**
 * One day of history from that day's per-resource costs, with the tag allocation joined in;
 * `tagKeyOf` names the resource key a row's tags are filed under (see tagKeyOf above).
 */
export function historyDay(
  date: IsoDate,
  rows: readonly ResourceDailyCost[],
  monthToDateUsd: number,
  tags: ReadonlyMap<string, readonly string[]>,
  tagKeyOf: (resourceUuid: string) => string | undefined,
): BillingHistoryDay {
  const items: AllocationItem[] = rows.map((row) => {
    const item: AllocationItem = { product: row.product, amountUsd: row.amountUsd };
    const tagKey = tagKeyOf(row.resourceUuid);
    if (tagKey) item.resourceUuid = tagKey;
    if (row.projectName) item.projectName = row.projectName;
    return item;
  });
  const allocation = allocateCosts(items, tags);
  const costByTag: CostBreakdown = {};
  for (const [key, values] of Object.entries(allocation.byTagKey)) for (const [value, usd] of Object.entries(values)) costByTag[`${key}:${value}`] = usd;
  // Cost carrying no key:value tag at all: the weekly report's untagged share.
  costByTag[UNTAGGED] = allocation.untaggedUsd;
  return {
    date,
    totalCostUsd: allocation.totalUsd,
    monthToDateUsd,
    costByService: allocation.byProduct,
    costByProject: allocation.byProject,
    costByTag,
  };
}

/** What one ingest wrote. */
export interface IngestResult {
  billingMonth: BillingMonth;
  monthToDateUsd: number;
  snapshot: SpendSnapshot;
  /** History days written by this run (those the time since the previous run touched). */
  daysWritten: IsoDate[];
  /** False when the invoice preview was for another month (DigitalOcean lags at month start). */
  itemsUsed: boolean;
}

/**
 * Writes one reading. Per resource and product, what the preview bills beyond the days already
 * stored is the cost of the time since the previous run, so it is spread over the hours from
 * that run to `now`, day by day: 23:00→00:00 lands on the day it was spent, a missed day is
 * filled pro rata, a rerun adds nothing, and the month's first run back-fills the month so far
 * instead of reporting all of it as today's spike. Serialised by an advisory lock so two runs
 * at once read the same previous run and stored days.
 */
export async function writeReading(db: SqlClient, reading: AccountReading, now: Date, log: TrackerLog): Promise<IngestResult> {
  const billingMonth = billingMonthOf(now);
  const today = isoDate(now);
  const monthToDateUsd = parseUsd(reading.balance.month_to_date_usage ?? "0", "balance.month_to_date_usage");
  const previewPeriod = reading.invoices.invoice_preview?.invoice_period;
  const itemsUsed = previewPeriod === undefined || previewPeriod === billingMonth;
  if (!itemsUsed) log.warn(`invoice preview is for ${previewPeriod}, not ${billingMonth}: per-day history waits for the next regeneration`);
  const previewUsd = reading.invoices.invoice_preview?.amount;
  const snapshot: SpendSnapshot = {
    takenAt: now,
    monthToDateUsd,
    accountBalanceUsd: parseUsd(reading.balance.account_balance ?? "0", "balance.account_balance"),
    generatedAt: reading.balance.generated_at ? new Date(reading.balance.generated_at) : now,
    invoicePreviewUsd: previewUsd === undefined ? null : parseUsd(previewUsd, "invoice_preview.amount"),
  };
  const lines = itemsUsed ? [...reading.previewLines].sort((a, b) => (a[0] < b[0] ? -1 : 1)) : [];

  return new CostStore(db).transaction(async (store) => {
    await store.lockHistoryWriters();
    const previous = await store.latestSpendSnapshot();
    await store.insertSpendSnapshot(snapshot);
    if (!itemsUsed) return { billingMonth, monthToDateUsd, snapshot, daysWritten: [], itemsUsed };

    const start = monthStart(billingMonth);
    const stored = await store.listResourceDailyCosts(isoDate(start), today);
    // Re-made in this realm: PGlite's worker hands back Dates that fail `instanceof Date` under jest.
    const previousRun = previous ? new Date(previous.takenAt.getTime()) : undefined;
    const from = stored.length === 0 || previousRun === undefined || previousRun < start ? start : previousRun > now ? now : previousRun;
    const dates = Array.from({ length: daysBetween(isoDate(from), today) + 1 }, (_, i) => addDays(isoDate(from), i));
    const weights = dates.map((date) => {
      const dayStart = Math.max(parseIsoDate(date).getTime(), from.getTime());
      const dayEnd = Math.min(parseIsoDate(date).getTime() + 86_400_000, now.getTime());
      return Math.max(0, dayEnd - dayStart) / 3_600_000;
    });

    const tagKeyByResource = new Map(lines.map(([, line]) => [line.resourceKey, line.tagKey]));
    const tagKeyOfRow = (resourceUuid: string) => tagKeyByResource.get(resourceUuid);
    const attributed = new Map<string, number>();
    const rowsByDate = new Map<IsoDate, Map<string, ResourceDailyCost>>(dates.map((d) => [d, new Map()]));
    let mtdBeforeCents = 0;
    for (const row of stored) {
      const key = lineKey(row.resourceUuid, row.product);
      attributed.set(key, (attributed.get(key) ?? 0) + toCents(row.amountUsd));
      const day = rowsByDate.get(row.date);
      if (day) day.set(key, row);
      else mtdBeforeCents += toCents(row.amountUsd);
    }
    const changed: ResourceDailyCost[] = [];
    for (const [key, line] of lines) {
      splitByWeight(line.cents - (attributed.get(key) ?? 0), weights).forEach((cents, i) => {
        const date = dates[i]!;
        const day = rowsByDate.get(date)!;
        const existing = day.get(key);
        // Nothing to add on a past day: leave it; today always gets its row so the day exists.
        if (cents === 0 && (existing || date !== today)) return;
        const row: ResourceDailyCost = {
          date,
          resourceUuid: line.resourceKey,
          product: line.product,
          projectName: line.projectName,
          amountUsd: fromCents((existing ? toCents(existing.amountUsd) : 0) + cents),
        };
        day.set(key, row);
        changed.push(row);
      });
    }

    let mtdCents = mtdBeforeCents;
    const days: BillingHistoryDay[] = [];
    for (const date of dates) {
      const rows = [...rowsByDate.get(date)!.values()];
      mtdCents += rows.reduce((sum, row) => sum + toCents(row.amountUsd), 0);
      days.push(historyDay(date, rows, fromCents(mtdCents), reading.tagsByResource, tagKeyOfRow));
    }
    await store.upsertResourceDailyCosts(changed);
    await store.upsertBillingHistory(days);
    return { billingMonth, monthToDateUsd, snapshot, daysWritten: dates, itemsUsed };
  });
}
