/**
 * `calibrate`: the catalog checks itself against the bill. Reads the running month's invoice
 * items and the inventory (the same list calls the advisor makes), computes realised unit
 * prices per product + size slug (core/calibration), records them in the store and notifies the
 * default recipients once per drifted or unknown slug per month, through the exactly-once alert
 * events and outbox of cost-store.ts. Adapts API objects to the core's inventory; no rule here.
 */
import { billingMonthOf } from "../../../core/calendar";
import { calibrate, type CalibrationReport, type InventoryResource, type SlugCalibration } from "../../../core/calibration";
import type { PriceCatalog } from "../../../core/pricing";
import type { Recipients } from "../../../core/tracker-settings";
import type { DigitalOceanClient } from "../digitalocean/client";
import type { App, DatabaseCluster, Droplet, LoadBalancer, Volume } from "../digitalocean/types";
import { formatTextTable, type NotificationMessage } from "../notify/message";
import { aboutSubject, type MessageSubject } from "../notify/render";
import { deliverPending, notificationsFor, type DeliveryResult, type Transports } from "../notify/outbox";
import { CalibrationStore } from "../store/calibration-store";
import { CostStore } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";

/** The client calls calibrate makes. */
export type CalibrationApi = Pick<DigitalOceanClient, "listInvoices" | "listInvoiceItems" | "listDroplets" | "listDatabaseClusters" | "listVolumes" | "listLoadBalancers" | "listApps">;

export interface CalibrateDeps {
  api: CalibrationApi;
  db: SqlClient;
  catalog: PriceCatalog;
  /** Who hears about a drift: the team's recipients (a single-team config's top-level ones). */
  recipients: Recipients;
  /** Whose invoice and resources these are: the rows' team (default the implicit team), and the team its messages name (none for a single team). */
  team?: { name: string; subject?: MessageSubject };
  now: Date;
  /** When given, the notifications are delivered at once (else the next `check` delivers them). */
  transports?: Transports;
  dashboardUrl?: string;
}

export interface CalibrateResult {
  billingMonth: string;
  report: CalibrationReport;
  /** Alert keys this run fired (a slug already notified this month is not fired again). */
  notified: string[];
  delivery?: DeliveryResult;
}

/** The version-1 JSON of `calibrate --json`. */
export interface CalibrationJson {
  version: 1;
  billingMonth: string;
  slugs: { product: string; slug: string; catalogMonthlyUsd: number | null; invoicedMonthlyUsd: number; driftPct: number | null; resources: number; verdict: SlugCalibration["verdict"] }[];
}

const DROPLET = "digitalocean:index/droplet:Droplet";
const VOLUME = "digitalocean:index/volume:Volume";
const DATABASE = "digitalocean:index/databaseCluster:DatabaseCluster";
const LOAD_BALANCER = "digitalocean:index/loadBalancer:LoadBalancer";
const APP = "digitalocean:index/app:App";

/**
 * The inventory as the estimator prices it. Database slugs are `engine:size` per node; volumes
 * are calibrated per size (`100gib`) so the $0.05 tolerance applies to a whole volume, not a
 * GiB; an app is calibrated only when every always-on component uses one size (the invoice
 * bills the app as one line).
 */
export function inventoryOf(lists: { droplets: Droplet[]; databases: DatabaseCluster[]; volumes: Volume[]; loadBalancers: LoadBalancer[]; apps: App[] }): InventoryResource[] {
  const resources: InventoryResource[] = [];
  for (const d of lists.droplets) {
    resources.push({ product: "Droplets", keys: [String(d.id)], slug: d.size_slug, units: 1, type: DROPLET, inputs: { size: d.size_slug }, dropletSize: d.size_slug, region: d.region?.slug });
  }
  for (const db of lists.databases) {
    if (!db.id) continue;
    resources.push({ product: "Managed Databases", keys: [db.id], slug: `${db.engine}:${db.size}`, units: db.num_nodes, type: DATABASE, inputs: { engine: db.engine, size: db.size, nodeCount: db.num_nodes }, region: db.region });
  }
  for (const v of lists.volumes) {
    if (!v.id || v.size_gigabytes === undefined) continue;
    resources.push({ product: "Volumes", keys: [v.id], slug: `${v.size_gigabytes}gib`, units: 1, type: VOLUME, inputs: { size: v.size_gigabytes }, region: v.region?.slug });
  }
  for (const lb of lists.loadBalancers) {
    if (!lb.id) continue;
    const type = lb.type ?? "REGIONAL";
    // Legacy sizes are their own slug; sized-by-unit balancers are priced per node.
    const slug = lb.size ?? `${type.toLowerCase()}-node`;
    const units = lb.size ? 1 : lb.size_unit ?? 1;
    resources.push({ product: "Load Balancers", keys: [lb.id], slug, units, type: LOAD_BALANCER, inputs: { type, ...(lb.size ? { size: lb.size } : { sizeUnit: units }) }, region: lb.region?.slug });
  }
  for (const app of lists.apps) {
    if (!app.id) continue;
    const components = [...(app.spec.services ?? []), ...(app.spec.workers ?? [])];
    const slugs = new Set(components.map((c) => c.instance_size_slug));
    if (components.length === 0 || slugs.size !== 1 || [...slugs][0] === undefined) continue;
    const slug = [...slugs][0] as string;
    const camel = (list: typeof components | undefined) => (list ?? []).map((c) => ({ name: c.name, instanceSizeSlug: c.instance_size_slug, instanceCount: c.instance_count ?? 1 }));
    resources.push({
      product: "App Platform",
      keys: [app.id],
      slug,
      units: components.reduce((sum, c) => sum + (c.instance_count ?? 1), 0),
      type: APP,
      inputs: { spec: { services: camel(app.spec.services), workers: camel(app.spec.workers) } },
      region: app.region?.slug,
    });
  }
  return resources;
}

/** "$12" for whole dollars, "$14.40" otherwise, as a person writes prices. */
function price(usd: number): string {
  return Number.isInteger(usd) ? `$${usd}` : `$${usd.toFixed(2)}`;
}

/** The calibration alert's idempotence key: one per product + slug per month. */
export function calibrationEventKey(entry: Pick<SlugCalibration, "product" | "slug">): string {
  return `calibration:${entry.product}:${entry.slug}`;
}

/** "the catalog says $12, DigitalOcean billed $14.40 for lb-small in 2026-11". */
export function calibrationSentence(entry: Pick<SlugCalibration, "slug" | "catalogMonthlyUsd" | "invoicedMonthlyUsd">, billingMonth: string): string {
  return entry.catalogMonthlyUsd === null
    ? `the catalog has no price for ${entry.slug}, DigitalOcean billed ${price(entry.invoicedMonthlyUsd)} for ${entry.slug} in ${billingMonth}`
    : `the catalog says ${price(entry.catalogMonthlyUsd)}, DigitalOcean billed ${price(entry.invoicedMonthlyUsd)} for ${entry.slug} in ${billingMonth}`;
}

/** The notification for one drifted or unknown slug. */
export function renderCalibrationAlert(entry: SlugCalibration, billingMonth: string, dashboardUrl?: string): NotificationMessage {
  const drift = entry.driftPct === null ? "not in the catalog" : `${entry.driftPct > 0 ? "+" : ""}${entry.driftPct}%`;
  return {
    type: "price_calibration",
    title: entry.verdict === "drift" ? `Price catalog drift: ${entry.slug} (${drift})` : `Price catalog lacks ${entry.slug}`,
    summary: `${calibrationSentence(entry, billingMonth)} (${entry.product}, per ${entry.units === entry.resources ? "resource" : "unit"} and month, ${entry.resources} resource${entry.resources === 1 ? "" : "s"}). Review with npm run prices:refresh -- --from-invoice.`,
    facts: [
      { label: "Product", value: entry.product },
      { label: "Slug", value: entry.slug },
      { label: "Catalog", value: entry.catalogMonthlyUsd === null ? "no price" : `${price(entry.catalogMonthlyUsd)}/month` },
      { label: "Billed", value: `${price(entry.invoicedMonthlyUsd)}/month` },
      { label: "Drift", value: drift },
    ],
    sections: [],
    ...(dashboardUrl ? { link: { label: "Open the cost dashboard", url: dashboardUrl } } : {}),
    data: {
      billingMonth,
      product: entry.product,
      slug: entry.slug,
      catalogMonthlyUsd: entry.catalogMonthlyUsd,
      invoicedMonthlyUsd: entry.invoicedMonthlyUsd,
      driftPct: entry.driftPct,
      resources: entry.resources,
      verdict: entry.verdict,
    },
  };
}

/** Runs one calibration: read, compare, record, notify (once per slug per month). */
export async function runCalibration(deps: CalibrateDeps): Promise<CalibrateResult> {
  const [invoices, items, droplets, databases, volumes, loadBalancers, apps] = await Promise.all([
    deps.api.listInvoices(),
    deps.api.listInvoiceItems("preview"),
    deps.api.listDroplets(),
    deps.api.listDatabaseClusters(),
    deps.api.listVolumes(),
    deps.api.listLoadBalancers(),
    deps.api.listApps(),
  ]);
  // DigitalOcean regenerates the preview daily and lags at month start: the items are the preview's month.
  const billingMonth = invoices.invoice_preview?.invoice_period ?? billingMonthOf(deps.now);
  const report = calibrate(items, inventoryOf({ droplets, databases, volumes, loadBalancers, apps }), deps.catalog);
  await new CalibrationStore(deps.db, deps.team?.name).recordCalibration(billingMonth, report.slugs, deps.now);
  const costs = new CostStore(deps.db, deps.team?.name);
  const notified: string[] = [];
  for (const entry of report.slugs) {
    if (entry.verdict === "ok") continue;
    const alertKey = calibrationEventKey(entry);
    const outcome = await costs.recordAlertEventOnce({
      alertKey,
      billingMonth,
      firedAt: deps.now,
      payload: { kind: "price_calibration", product: entry.product, slug: entry.slug, catalogMonthlyUsd: entry.catalogMonthlyUsd, invoicedMonthlyUsd: entry.invoicedMonthlyUsd, driftPct: entry.driftPct, verdict: entry.verdict },
      notifications: notificationsFor(deps.recipients, aboutSubject(renderCalibrationAlert(entry, billingMonth, deps.dashboardUrl), deps.team?.subject)),
    });
    if (outcome.fired) notified.push(alertKey);
  }
  const delivery = deps.transports ? await deliverPending(costs, deps.transports, deps.now) : undefined;
  return { billingMonth, report, notified, ...(delivery ? { delivery } : {}) };
}

/** The version-1 JSON document. */
export function calibrationJson(result: Pick<CalibrateResult, "billingMonth" | "report">): CalibrationJson {
  return {
    version: 1,
    billingMonth: result.billingMonth,
    slugs: result.report.slugs.map(({ product, slug, catalogMonthlyUsd, invoicedMonthlyUsd, driftPct, resources, verdict }) => ({ product, slug, catalogMonthlyUsd, invoicedMonthlyUsd, driftPct, resources, verdict })),
  };
}

/** The printed report: one row per product and slug, then what was notified. */
export function formatCalibration(result: CalibrateResult): string[] {
  const money = (usd: number | null) => (usd === null ? "-" : `$${usd.toFixed(2)}`);
  const lines = [`calibration of the price catalog against the ${result.billingMonth} invoice (per unit and full month)`];
  if (result.report.slugs.length === 0) lines.push("no hourly size charges on the invoice yet");
  else {
    lines.push(
      ...formatTextTable({
        columns: ["product", "slug", "catalog $/month", "invoiced $/month", "drift", "resources", "verdict"],
        rows: result.report.slugs.map((s) => [s.product, s.slug, money(s.catalogMonthlyUsd), money(s.invoicedMonthlyUsd), s.driftPct === null ? "-" : `${s.driftPct > 0 ? "+" : ""}${s.driftPct.toFixed(2)}%`, String(s.resources), s.verdict]),
      }),
    );
  }
  if (result.report.unmatchedItems > 0) lines.push(`${result.report.unmatchedItems} invoice item(s) name resources no longer listed; left out`);
  lines.push(`notified: ${result.notified.length === 0 ? "none (nothing new this month)" : result.notified.join(", ")}`);
  if (result.delivery) lines.push(`notifications: ${result.delivery.delivered} delivered, ${result.delivery.failed} failed, ${result.delivery.pending} pending`);
  return lines;
}
