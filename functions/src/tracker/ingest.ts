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
import { IMPLICIT_TEAM_NAME } from "../../../core/tracker-settings";

/** The client methods the tracker reads with (a subset, so tests can wrap the real client). */
export type TrackerApi = Pick<
  DigitalOceanClient,
  | "getBalance"
  | "listInvoices"
  | "invoiceItemPages"
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
   * themselves (100,000 in a big month) are never held together: each page is folded into
   * these sums as it arrives (see {@link InvoiceLineFold}) and dropped.
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

/** Folds every page of an invoice's items into `fold` as it arrives; returns how many items there were. */
export async function foldInvoicePages(pages: AsyncIterable<readonly InvoiceItem[]>, fold: InvoiceLineFold): Promise<number> {
  for await (const page of pages) fold.add(page);
  return fold.itemCount;
}

/** Reads everything `check` needs; throws (with nothing written) if any list cannot be read whole. */
export async function readAccount(api: TrackerApi, log: TrackerLog): Promise<AccountReading> {
  log.info("reading balance, invoice preview and resource lists");
  // The preview's items need nothing from the other reads, so they are fetched alongside them
  // rather than after: one round trip less on every hourly run. Each page is folded into the
  // running sums as it arrives; only the tags, read alongside, are joined in at the end.
  const fold = new InvoiceLineFold();
  const [balance, invoices, itemCount, droplets, databases, volumes, clusters, balancers, apps] = await Promise.all([
    api.getBalance(),
    api.listInvoices(),
    foldInvoicePages(api.invoiceItemPages("preview"), fold),
    api.listDroplets(),
    api.listDatabaseClusters(),
    api.listVolumes(),
    api.listKubernetesClusters(),
    api.listLoadBalancers(),
    api.listApps(),
  ]);
  log.info(`read ${itemCount} invoice items and ${droplets.length + databases.length + volumes.length + clusters.length + balancers.length + apps.length} resources`);
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
  return { balance, invoices, previewLines: fold.lines(tagsByResource), droplets, databases, volumes, tagsByResource, existingResources };
}

/** How an invoice line is keyed to a resource: its uuid, else its id, else product + description. */
export function resourceKeyOf(item: InvoiceItem): string {
  return item.resource_uuid || item.resource_id || `${item.product ?? "(product)"}:${item.description ?? ""}`;
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

/** A line while it is being summed: the ids of its first item stay until the tags are known. */
interface FoldingLine extends CumulativeLine {
  resourceId: string | undefined;
}

/**
 * Running sums of invoice items per resource × product, fed one page at a time, so a month of
 * 100,000 items costs its ~2,000 lines of memory rather than the items. Items are grouped by
 * resource, then product, so a key string is built once per line rather than once per item.
 * Tags are joined in by {@link lines}, once the resource lists (read alongside) are in.
 */
export class InvoiceLineFold {
  private readonly byResource = new Map<string, Map<string, FoldingLine>>();
  /** Items folded so far (also what an error names a bad item by). */
  itemCount = 0;

  /** Adds one page of items to the sums. */
  add(items: readonly InvoiceItem[]): void {
    for (const item of items) {
      const index = this.itemCount++;
      const product = item.product || "(unknown product)";
      const resourceKey = resourceKeyOf(item);
      const cents = itemCents(item.amount, index);
      let products = this.byResource.get(resourceKey);
      if (products === undefined) this.byResource.set(resourceKey, (products = new Map()));
      let line = products.get(product);
      if (line) line.cents += cents;
      else {
        line = { resourceKey, tagKey: item.resource_uuid || item.resource_id, resourceId: item.resource_id, product, projectName: item.project_name || null, cents, hourlyCents: 0, hours: 0 };
        products.set(product, line);
      }
      const hours = Number(item.duration ?? "0");
      if (cents > 0 && hours > 0 && (item.duration_unit ?? "").toLowerCase() === "hours") {
        line.hourlyCents += cents;
        line.hours = Math.max(line.hours, hours);
      }
    }
  }

  /**
   * The summed lines keyed by {@link lineKey}, each with the key its tags are filed under:
   * droplets carry a uuid we cannot join, so a line's resource id wins when `tags` knows it
   * (taken from the line's first item).
   */
  lines(tags: ReadonlyMap<string, readonly string[]>): Map<string, CumulativeLine> {
    const lines = new Map<string, CumulativeLine>();
    for (const products of this.byResource.values()) {
      for (const { resourceId, ...line } of products.values()) {
        if (resourceId && tags.has(resourceId)) line.tagKey = resourceId;
        lines.set(lineKey(line.resourceKey, line.product), line);
      }
    }
    return lines;
  }
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
 * `tagKeyOf` names the resource key a row's tags are filed under (see InvoiceLineFold.lines).
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
  /** The balance reading written; null when the team was not read with a token of its own (insights only). */
  snapshot: SpendSnapshot | null;
  /** History days written by this run (those the time since the previous run touched). */
  daysWritten: IsoDate[];
  /** False when the invoice preview was for another month (DigitalOcean lags at month start). */
  itemsUsed: boolean;
}

/** What the month already holds, as {@link spreadLines} needs it. */
export interface StoredMonth {
  /** Whether anything is stored for the month yet (else the run back-fills from its start). */
  any: boolean;
  /** Cents stored this month so far, per line ({@link lineKey}). */
  attributed: ReadonlyMap<string, number>;
  /** The stored rows of each day from `from` to today, per line: the days this run rewrites. */
  rowsByDate: Map<IsoDate, Map<string, ResourceDailyCost>>;
  /** Cents stored this month before `from`'s day. */
  centsBefore: number;
}

/**
 * Reads what the month holds from its start to today: per line, its total summed in SQL, and
 * the rows themselves only of the days from `from(any)` on (today alone, hour after hour), not
 * the month's 60,000 day rows of a big account.
 */
async function readStoredMonth(store: CostStore, start: Date, today: IsoDate, fromOf: (any: boolean) => Date): Promise<{ from: Date; stored: StoredMonth }> {
  const totals = await store.resourceCostTotals(isoDate(start), today);
  const from = fromOf(totals.length > 0);
  const days = totals.length === 0 ? [] : await store.listResourceDailyCosts(isoDate(from), today);
  const attributed = new Map<string, number>();
  const rowsByDate = new Map<IsoDate, Map<string, ResourceDailyCost>>();
  // The month's stored cents before the first rewritten day: all of them, less those days'.
  let centsBefore = 0;
  for (const total of totals) {
    const cents = toCents(total.amountUsd);
    attributed.set(lineKey(total.resourceUuid, total.product), cents);
    centsBefore += cents;
  }
  for (const row of days) {
    let day = rowsByDate.get(row.date);
    if (day === undefined) rowsByDate.set(row.date, (day = new Map()));
    day.set(lineKey(row.resourceUuid, row.product), row);
    centsBefore -= toCents(row.amountUsd);
  }
  return { from, stored: { any: totals.length > 0, attributed, rowsByDate, centsBefore } };
}

/** The rows and history days one run writes. */
export interface Spread {
  /** The days from the run's start to today. */
  dates: IsoDate[];
  /** Day rows this run creates (none stored for that day, resource and product). */
  added: ResourceDailyCost[];
  /** Stored day rows this run adds to. */
  updated: ResourceDailyCost[];
  /** Each of `dates` as a day of history (every row of the day, the tag allocation joined in). */
  days: BillingHistoryDay[];
}

/**
 * Spreads what each line bills beyond what the month already holds over the hours from `from`
 * to `now`, day by day, in whole cents (pure: the store reads and writes are writeReading's).
 */
export function spreadLines(lines: ReadonlyMap<string, CumulativeLine>, stored: StoredMonth, from: Date, now: Date, tags: ReadonlyMap<string, readonly string[]>): Spread {
  const today = isoDate(now);
  const dates = Array.from({ length: daysBetween(isoDate(from), today) + 1 }, (_, i) => addDays(isoDate(from), i));
  const weights = dates.map((date) => {
    const dayStart = Math.max(parseIsoDate(date).getTime(), from.getTime());
    const dayEnd = Math.min(parseIsoDate(date).getTime() + 86_400_000, now.getTime());
    return Math.max(0, dayEnd - dayStart) / 3_600_000;
  });
  const sorted = [...lines].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const tagKeyByResource = new Map(sorted.map(([, line]) => [line.resourceKey, line.tagKey]));
  const tagKeyOfRow = (resourceUuid: string) => tagKeyByResource.get(resourceUuid);
  const rowsByDate = new Map<IsoDate, Map<string, ResourceDailyCost>>(dates.map((d) => [d, new Map(stored.rowsByDate.get(d))]));
  // New rows are collected per day so they go to the database in its key's order (date first):
  // the index then grows at its right edge instead of taking 30,000 inserts all over it.
  const addedByDay = dates.map((): ResourceDailyCost[] => []);
  const updated: ResourceDailyCost[] = [];
  for (const [key, line] of sorted) {
    splitByWeight(line.cents - (stored.attributed.get(key) ?? 0), weights).forEach((cents, i) => {
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
      (existing ? updated : addedByDay[i]!).push(row);
    });
  }
  const added = addedByDay.flat();
  let mtdCents = stored.centsBefore;
  const days: BillingHistoryDay[] = [];
  for (const date of dates) {
    const rows = [...rowsByDate.get(date)!.values()];
    mtdCents += rows.reduce((sum, row) => sum + toCents(row.amountUsd), 0);
    days.push(historyDay(date, rows, fromCents(mtdCents), tags, tagKeyOfRow));
  }
  return { dates, added, updated, days };
}

/**
 * Where a run's spread starts: the month's start when nothing is stored for the month yet (the
 * first run back-fills the month so far), else the previous run (no later than now).
 */
export function spreadStart(monthBegins: Date, anyStored: boolean, previousRun: Date | undefined, now: Date): Date {
  if (!anyStored || previousRun === undefined || previousRun < monthBegins) return monthBegins;
  return previousRun > now ? now : previousRun;
}

/**
 * Writes one reading. Per resource and product, what the preview bills beyond the days already
 * stored is the cost of the time since the previous run, so it is spread over the hours from
 * that run to `now`, day by day: 23:00→00:00 lands on the day it was spent, a missed day is
 * filled pro rata, a rerun adds nothing, and the month's first run back-fills the month so far
 * instead of reporting all of it as today's spike. Serialised by the team's advisory lock so two
 * runs at once read the same previous run and stored days; `team` files every row (a single-team
 * deployment's implicit team by default).
 */
export async function writeReading(db: SqlClient, reading: AccountReading, now: Date, log: TrackerLog, team: string = IMPLICIT_TEAM_NAME): Promise<IngestResult> {
  const billingMonth = billingMonthOf(now);
  const today = isoDate(now);
  const monthToDateUsd = parseUsd(reading.balance.month_to_date_usage ?? "0", "balance.month_to_date_usage");
  const previewPeriod = reading.invoices.invoice_preview?.invoice_period;
  const itemsUsed = previewPeriod === undefined || previewPeriod === billingMonth;
  if (!itemsUsed) log.warn(`invoice preview is for ${previewPeriod}, not ${billingMonth}: per-day history waits for the next regeneration`);
  const previewUsd = reading.invoices.invoice_preview?.amount;
  const snapshot: SpendSnapshot = {
    takenAt: now,
    source: "balance",
    monthToDateUsd,
    accountBalanceUsd: parseUsd(reading.balance.account_balance ?? "0", "balance.account_balance"),
    generatedAt: reading.balance.generated_at ? new Date(reading.balance.generated_at) : now,
    invoicePreviewUsd: previewUsd === undefined ? null : parseUsd(previewUsd, "invoice_preview.amount"),
  };

  return new CostStore(db, team).transaction(async (store) => {
    await store.lockHistoryWriters();
    const previous = await store.latestSpendSnapshot();
    await store.insertSpendSnapshot(snapshot);
    if (!itemsUsed) return { billingMonth, monthToDateUsd, snapshot, daysWritten: [], itemsUsed };
    const start = monthStart(billingMonth);
    const { from, stored } = await readStoredMonth(store, start, today, (any) => spreadStart(start, any, previous?.takenAt, now));
    const { dates, added, updated, days } = spreadLines(reading.previewLines, stored, from, now, reading.tagsByResource);
    // Under the lock, what the days held was read in this transaction: the new rows are new.
    await store.insertResourceDailyCosts(added);
    await store.upsertResourceDailyCosts(updated);
    await store.upsertBillingHistory(days);
    return { billingMonth, monthToDateUsd, snapshot, daysWritten: dates, itemsUsed };
  });
}
