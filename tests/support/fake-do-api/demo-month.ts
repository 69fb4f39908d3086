/**
 * The `npm run demo` account: the restaurant-ordering platform of {@link seedRestaurantPlatformAccount}
 * living through March 2026 hour by hour, with two closed months behind it, so a local run of the
 * tracker has something worth looking at:
 *
 * - January and February are closed invoices with items (what `history` back-fills), and billing
 *   insights per SKU and day weight how they are spread (January's last Friday had a transfer
 *   overage);
 * - in March every fixed resource accrues monthly ÷ 672 per hour (the 672-hour cap), a staging
 *   sandbox droplet appears on the 10th, six load-test droplets run for twelve hours on the 17th,
 *   and a marketing campaign on Friday the 20th runs an outbound transfer overage from 07:00 to
 *   19:00 — the thresholds, the forecast and the spikes fire on their own from that;
 * - the `restaurant-web` app reports memory every five minutes (a daily dinner-time curve, plus a
 *   leak on Saturday the 21st from 16:20 to 01:35 that crosses 80%) and its daily bandwidth, which
 *   exceeds a 60 GiB allowance on the campaign day;
 * - one of each thing the savings advisor and the clean-up look for ({@link DEMO_WASTE}): a droplet
 *   powered off, one idling on a size too large, an unattached volume, a five-month-old snapshot,
 *   an unassigned reserved IP (the seed's), a load balancer forwarding to nothing and a droplet
 *   tagged `expires:` two days ahead, inside the clean-up's three-day notice window;
 * - examples/restaurant-platform deployed as stack `prod` ({@link DEMO_STACK}): the seed's orders
 *   database is its `orders-db` (auto-named, tagged `stack:restaurant-platform-prod`), with its
 *   ticket printer droplet and spool volume, so `tracker reconcile` has a closed month to compare
 *   the plan with.
 *
 * Only the values are the demo's own; every object has the shape of DigitalOcean's OpenAPI spec
 * (the fake validates each response against it). {@link advanceDemoAccount} sets what the API
 * shows at an instant, the way {@link seedRestaurantPlatformAccount} fixes it at SEED_NOW.
 */
import { addDays, daysInMonth, hoursInMonth, hoursOfMonthWithin, isoDate } from "../../../core/calendar";
import { cappedMonthlyCostUsd } from "../../../core/hourly-billing";
import type { BillingDataPoint, Droplet, InvoiceItem, ProjectResource } from "../../../functions/src/digitalocean/types";
import { mulberry32 } from "../prng";
import {
  FEBRUARY_INVOICE_UUID,
  RESTAURANT_PROD_PROJECT_ID,
  RESTAURANT_STAGING_PROJECT_ID,
  invoiceResourcesOf,
  makeDroplet,
  monthInvoiceItem,
  nyc3,
  seedRestaurantPlatformAccount,
  type FakeAccountState,
  type InvoiceResource,
} from "./seed";

/** The running month of the demo. */
export const DEMO_MONTH = "2026-03";
export const DEMO_MONTH_START = new Date("2026-03-01T00:00:00Z");
/** The instant the demo stops replaying and the dashboard is shown: a Saturday evening, late in the month. */
export const DEMO_NOW = new Date("2026-03-28T19:00:00Z");
/**
 * The demo's monthly budget: the platform runs under it, but March's campaign and the waste the
 * advisor finds push the projection over.
 */
export const DEMO_BUDGET_USD = 400;

const HOUR_MS = 3_600_000;
const JANUARY_INVOICE_UUID = "22737513-0ea7-4206-8ceb-98a575af7681";

/**
 * Outbound transfer beyond the pooled allowance: $0.01 per GiB
 * (https://docs.digitalocean.com/platform/billing/bandwidth/, as listed 2025).
 */
const TRANSFER_OVERAGE_USD_PER_GIB = 0.01;

/** A billable line and the stretch of time it runs; amounts accrue by the hour inside it. */
interface DemoLine {
  resource: InvoiceResource;
  /** Billing starts here (creation), or at the start of the month. */
  from?: Date;
  /** Billing stops here (destruction), or runs on. */
  until?: Date;
}

/** A usage charge that grows linearly over a window (transfer overage during a campaign). */
interface DemoUsage {
  resource: InvoiceResource;
  gib: number;
  from: Date;
  until: Date;
}

/** The sandbox droplet a developer created on the 10th (seed: `staging-sandbox`, 2026-03-10T16:40Z). */
const SANDBOX_ID = 402_110_099;
// Both run 07:00-19:00 UTC, the demo's default check instants, so each lands whole on its day
// (the tracker spreads what it finds over the hours since its previous run).
const LOAD_TEST = { from: new Date("2026-03-17T07:00:00Z"), until: new Date("2026-03-17T19:00:00Z"), count: 6, sizeSlug: "s-4vcpu-8gb" };
const CAMPAIGN = { from: new Date("2026-03-20T07:00:00Z"), until: new Date("2026-03-20T19:00:00Z"), gib: 4_500 };
const JANUARY_OVERAGE = { date: "2026-01-30", gib: 1_240 };
/** The memory leak: above 80% from here until the fix was deployed. */
export const DEMO_MEMORY_INCIDENT = { from: new Date("2026-03-21T16:20:00Z"), until: new Date("2026-03-22T01:35:00Z") };
/** Daily bytes the app may serve before the demo config's watch alerts. */
export const DEMO_BANDWIDTH_ALLOWANCE_GIB = 60;

/**
 * What the savings advisor and the clean-up find in the demo account: one resource of each kind
 * of waste, billed like everything else (a powered-off droplet still is).
 */
export const DEMO_WASTE = {
  poweredOff: { id: 402_130_001, name: "old-batch" },
  idle: { id: 402_130_002, name: "reporting-worker" },
  expiring: { id: 402_130_003, name: "investor-demo", expires: "2026-03-30" },
  volume: { id: "3b8e5d1a-6c2f-4d7e-9a10-5f2c8b7e40e1", name: "old-exports" },
  snapshot: { id: "171000001", name: "orders-pg-before-upgrade" },
  loadBalancer: { id: "4de7ac8b-0000-4000-8000-0000000000c1", name: "legacy-lb" },
} as const;

/** examples/restaurant-platform as `npm run plan` names its stack, and its resources as Pulumi auto-named them. */
export const DEMO_STACK = {
  tag: "stack:restaurant-platform-prod",
  ordersDb: "orders-db-8d41e07",
  printer: { id: 402_140_001, name: "ticket-printer-3f9c2a1" },
  spool: { id: "5a1b2c3d-7e8f-4a0b-9c1d-2e3f4a5b6c01", name: "ticket-spool-b52e0c9" },
} as const;

const tagsOf = (env: string, service: string, owner: string, ...more: string[]) => [`env:${env}`, `service:${service}`, `owner:${owner}`, ...more];

/** Adds {@link DEMO_WASTE} to the account, each in a project, and the idle droplet's metrics. */
function addWaste(state: FakeAccountState): void {
  const old = "2025-12-01T10:00:00Z";
  const off = { ...makeDroplet({ id: DEMO_WASTE.poweredOff.id, name: DEMO_WASTE.poweredOff.name, sizeSlug: "s-1vcpu-2gb", tags: tagsOf("staging", "batch", "data"), createdAt: old }), status: "off" as const };
  // Grown from s-1vcpu-1gb by CPU/RAM-only resizes, so its disk is still 25 GiB: a smaller size fits it.
  const idle = { ...makeDroplet({ id: DEMO_WASTE.idle.id, name: DEMO_WASTE.idle.name, sizeSlug: "s-2vcpu-4gb", tags: tagsOf("prod", "reports", "data"), createdAt: old }), disk: 25 };
  const expiring = makeDroplet({
    id: DEMO_WASTE.expiring.id,
    name: DEMO_WASTE.expiring.name,
    sizeSlug: "s-1vcpu-1gb",
    tags: tagsOf("staging", "sales-demo", "sales", `expires:${DEMO_WASTE.expiring.expires}`),
    createdAt: "2026-02-20T09:00:00Z",
  });
  state.droplets.push(off, idle, expiring);
  state.projectResources[RESTAURANT_STAGING_PROJECT_ID]?.push(projectResource(off), projectResource(expiring));
  state.projectResources[RESTAURANT_PROD_PROJECT_ID]?.push(projectResource(idle));
  state.volumes.push({
    id: DEMO_WASTE.volume.id,
    droplet_ids: [],
    name: DEMO_WASTE.volume.name,
    description: "Exports of the reporting job, kept after it moved to Spaces",
    size_gigabytes: 50,
    created_at: old,
    tags: tagsOf("prod", "reports", "data"),
    region: nyc3(),
    filesystem_type: "ext4",
    filesystem_label: "exports",
  });
  state.snapshots.push({ id: DEMO_WASTE.snapshot.id, name: DEMO_WASTE.snapshot.name, created_at: "2025-10-30T02:00:00Z", regions: ["nyc3"], min_disk_size: 25, size_gigabytes: 18.4, resource_id: String(DEMO_WASTE.poweredOff.id), resource_type: "droplet", tags: null });
  state.loadBalancers.push({
    id: DEMO_WASTE.loadBalancer.id,
    name: DEMO_WASTE.loadBalancer.name,
    project_id: RESTAURANT_PROD_PROJECT_ID,
    size_unit: 1,
    status: "active",
    created_at: old,
    forwarding_rules: [{ entry_protocol: "http", entry_port: 80, target_protocol: "http", target_port: 8080 }],
    region: nyc3(),
    droplet_ids: [],
    type: "REGIONAL",
  });
  // The idle droplet: 4% of two vCPUs and 18% of its 4 GiB, hourly, from two weeks before the month.
  state.resourceMetrics = { ...state.resourceMetrics, droplet: { ...state.resourceMetrics?.droplet, [String(idle.id)]: idleDropletMetrics(2, 4096) } };
}

/** Steady low use: cumulative CPU seconds per mode (as the droplet cpu metric counts them) and memory gauges. */
function idleDropletMetrics(vcpus: number, memoryMiB: number): NonNullable<NonNullable<FakeAccountState["resourceMetrics"]>["droplet"]>[string] {
  const first = Math.floor(DEMO_MONTH_START.getTime() / 1000) - 14 * 86_400;
  const hours = Math.floor((DEMO_NOW.getTime() / 1000 - first) / 3600);
  const series = (value: (hour: number) => number, metric: Record<string, string> = {}) => ({
    metric,
    values: Array.from({ length: hours + 1 }, (_, h): [number, string] => [first + h * 3600, String(value(h))]),
  });
  const busy = 0.04;
  const total = memoryMiB * 2 ** 20;
  return {
    cpu: [series((h) => h * 3600 * vcpus * (1 - busy), { mode: "idle" }), series((h) => h * 3600 * vcpus * busy, { mode: "user" })],
    memory_total: [series(() => total)],
    memory_available: [series(() => total * 0.82)],
    bandwidth: [series(() => 0.2, { interface: "public", direction: "outbound" })],
  };
}

/**
 * examples/restaurant-platform deployed: the seed's orders database becomes the stack's
 * `orders-db` and the ticket printer (a droplet with a spool volume) joins it; all carry the
 * example's tags, the stack tag included.
 */
function deployRestaurantExample(state: FakeAccountState): void {
  const tags = (service: string) => tagsOf("prod", service, "platform", DEMO_STACK.tag);
  const database = state.databases[0];
  if (!database) throw new Error("demo: the seed no longer has its orders database");
  database.name = DEMO_STACK.ordersDb;
  database.tags = tags("orders-db");
  const printer = makeDroplet({ id: DEMO_STACK.printer.id, name: DEMO_STACK.printer.name, sizeSlug: "s-1vcpu-2gb", tags: tags("worker"), createdAt: "2025-12-15T10:00:00Z", volumeIds: [DEMO_STACK.spool.id] });
  state.droplets.push(printer);
  state.projectResources[RESTAURANT_PROD_PROJECT_ID]?.push(projectResource(printer));
  state.volumes.push({
    id: DEMO_STACK.spool.id,
    droplet_ids: [printer.id],
    name: DEMO_STACK.spool.name,
    description: "",
    size_gigabytes: 50,
    created_at: "2025-12-15T10:00:00Z",
    tags: tags("worker"),
    region: nyc3(),
    filesystem_type: "ext4",
    filesystem_label: "spool",
  });
}

function loadTestDroplets(): Droplet[] {
  return Array.from({ length: LOAD_TEST.count }, (_, i) =>
    makeDroplet({
      id: 402_120_001 + i,
      name: `load-test-${i + 1}`,
      sizeSlug: LOAD_TEST.sizeSlug,
      tags: ["env:staging", "service:load-test"],
      createdAt: LOAD_TEST.from.toISOString().replace(".000", ""),
    }),
  );
}

function transferOverage(gib: number): InvoiceResource {
  return {
    product: "Bandwidth",
    group_description: "",
    description: `Outbound transfer overage (${gib.toLocaleString("en-US")} GiB)`,
    project_name: "restaurant-prod",
    monthlyUsd: gib * TRANSFER_OVERAGE_USD_PER_GIB,
  };
}

/** What the demo account bills, and when. */
export interface DemoScenario {
  state: FakeAccountState;
  lines: DemoLine[];
  usage: DemoUsage[];
  /** The sandbox and load-test droplets, listed only while they exist. */
  transientDroplets: TransientDroplet[];
  /** The app's memory samples through {@link DEMO_NOW}; the API shows those up to the instant asked. */
  memory: MemorySeries[];
  /** The app's bytes served per day through {@link DEMO_NOW}'s eve. */
  bandwidth: Record<string, string>;
}

/** One instance's memory_percentage series, as the metrics API's matrix result holds it. */
interface MemorySeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** A droplet that exists only from `from` until `until` (or on). */
interface TransientDroplet {
  droplet: Droplet;
  from: Date;
  until?: Date;
  projectId: string;
}

/**
 * The demo account before its first run: January and February closed, March's preview empty.
 * Call {@link advanceDemoAccount} with each instant a run happens at.
 */
export function createDemoScenario(): DemoScenario {
  const state = seedRestaurantPlatformAccount();
  addWaste(state);
  deployRestaurantExample(state);
  const loadTest = loadTestDroplets();
  const sandbox = state.droplets.find((droplet) => droplet.id === SANDBOX_ID);
  if (!sandbox) throw new Error(`demo: the seed no longer has droplet ${SANDBOX_ID} (staging-sandbox)`);
  const transientDroplets: TransientDroplet[] = [
    { droplet: sandbox, from: new Date(sandbox.created_at), projectId: RESTAURANT_STAGING_PROJECT_ID },
    ...loadTest.map((droplet) => ({ droplet, from: LOAD_TEST.from, until: LOAD_TEST.until, projectId: RESTAURANT_STAGING_PROJECT_ID })),
  ];
  // Invoice lines for every billable resource, load-test droplets included (invoices outlive them).
  state.droplets.push(...loadTest);
  state.projectResources[RESTAURANT_STAGING_PROJECT_ID]?.push(...loadTest.map((droplet) => projectResource(droplet)));
  const lines: DemoLine[] = invoiceResourcesOf(state).map((resource) => {
    const transient = transientDroplets.find((entry) => String(entry.droplet.id) === resource.resource_id);
    return transient ? { resource, from: transient.from, ...(transient.until ? { until: transient.until } : {}) } : { resource };
  });
  state.droplets = state.droplets.filter((droplet) => !transientDroplets.some((entry) => entry.droplet.id === droplet.id));
  for (const resources of Object.values(state.projectResources)) {
    for (let i = resources.length - 1; i >= 0; i--) if (transientDroplets.some((entry) => resources[i]!.urn === `do:droplet:${entry.droplet.id}`)) resources.splice(i, 1);
  }

  // Closed months: resources that existed all month, at the full-month price; January adds an overage.
  const steady = lines.filter((line) => !line.from && !line.until).map((line) => line.resource);
  const closed = [
    { uuid: JANUARY_INVOICE_UUID, period: "2026-01", overage: [{ resource: transferOverage(JANUARY_OVERAGE.gib), gib: JANUARY_OVERAGE.gib, date: JANUARY_OVERAGE.date }] },
    { uuid: FEBRUARY_INVOICE_UUID, period: "2026-02", overage: [] },
  ];
  state.billingInsights = [];
  for (const month of closed) {
    const items = [
      ...steady.map((resource) => monthInvoiceItem(resource, cappedMonthlyCostUsd(resource.monthlyUsd, hoursInMonth(month.period)), month.period, hoursInMonth(month.period), "Hours")),
      ...month.overage.map(({ resource, gib }) => monthInvoiceItem(resource, resource.monthlyUsd, month.period, gib, "GiB")),
    ];
    state.invoiceItems[month.uuid] = items;
    const total = sumAmounts(items);
    for (const row of [...state.invoices, ...state.billingHistory]) if (row.invoice_uuid === month.uuid) row.amount = total;
    state.billingInsights.push(...closedMonthInsights(state.accountUrn, month.period, steady, month.overage));
  }
  // Each invoice's payment follows it in the history list and pays it in full.
  state.billingHistory.forEach((entry, i) => {
    const invoice = state.billingHistory[i - 1];
    if (entry.type === "Payment" && invoice?.type === "Invoice") entry.amount = `-${invoice.amount}`;
  });
  state.invoiceItems.preview = [];
  const appId = state.apps[0]?.id ?? "";
  return {
    state,
    lines,
    usage: [{ resource: transferOverage(CAMPAIGN.gib), gib: CAMPAIGN.gib, from: CAMPAIGN.from, until: CAMPAIGN.until }],
    transientDroplets,
    memory: memorySeries(appId, DEMO_NOW),
    bandwidth: bandwidthDays(DEMO_NOW),
  };
}

/** Hours of the month a line has existed by `now` (billed per second since 2026, core/hourly-billing). */
function billedHours(line: DemoLine, now: Date): number {
  const until = new Date(Math.min(now.getTime(), line.until?.getTime() ?? Infinity));
  return hoursOfMonthWithin(DEMO_MONTH, line.from ?? DEMO_MONTH_START, until);
}

/** The running month's invoice items as DigitalOcean's preview would list them at `now`. */
export function demoPreviewItems(scenario: DemoScenario, now: Date): InvoiceItem[] {
  const items: InvoiceItem[] = [];
  for (const line of scenario.lines) {
    const hours = billedHours(line, now);
    if (hours > 0) items.push(monthInvoiceItem(line.resource, cappedMonthlyCostUsd(line.resource.monthlyUsd, hours), DEMO_MONTH, Number(hours.toFixed(2)), "Hours"));
  }
  for (const usage of scenario.usage) {
    const share = Math.min(1, Math.max(0, (now.getTime() - usage.from.getTime()) / (usage.until.getTime() - usage.from.getTime())));
    const gib = Math.round(usage.gib * share);
    if (gib > 0) items.push(monthInvoiceItem(usage.resource, gib * TRANSFER_OVERAGE_USD_PER_GIB, DEMO_MONTH, gib, "GiB"));
  }
  return items;
}

/** March's spend to date at `now`, as the balance reports it: the preview's items added in cents. */
export function demoMonthToDateUsd(scenario: DemoScenario, now: Date): number {
  return Number(sumAmounts(demoPreviewItems(scenario, now)));
}

/**
 * Sets balance, invoice preview, droplet list and app metrics to what DigitalOcean would show
 * at `now` (an instant of March 2026, on or after the previous one). Returns the month to date.
 */
export function advanceDemoAccount(scenario: DemoScenario, now: Date): number {
  const { state } = scenario;
  const stamp = now.toISOString().replace(".000", "");
  const items = demoPreviewItems(scenario, now);
  const mtd = sumAmounts(items);
  state.invoiceItems.preview = items;
  state.balance = { month_to_date_balance: mtd, account_balance: "0.00", month_to_date_usage: mtd, generated_at: stamp };
  state.invoicePreview = { ...state.invoicePreview, amount: mtd, invoice_period: DEMO_MONTH, updated_at: stamp };
  // Droplets that exist at `now`, and the projects listing them.
  const existing = scenario.transientDroplets.filter((entry) => entry.from <= now && (!entry.until || now < entry.until));
  const transientIds = new Set(scenario.transientDroplets.map((entry) => entry.droplet.id));
  state.droplets = [...state.droplets.filter((droplet) => !transientIds.has(droplet.id)), ...existing.map((entry) => entry.droplet)];
  for (const [projectId, resources] of Object.entries(state.projectResources)) {
    const kept = resources.filter((resource) => ![...transientIds].some((id) => resource.urn === `do:droplet:${id}`));
    kept.push(...existing.filter((entry) => entry.projectId === projectId).map((entry) => projectResource(entry.droplet)));
    state.projectResources[projectId] = kept;
  }
  // A fresh hourly quota at every run, as an hour apart would give.
  state.rateLimit = { limit: 5000, remaining: 5000, resetEpochSeconds: Math.floor(now.getTime() / 1000) + 3600 };
  const appId = state.apps[0]?.id;
  if (appId) {
    const seconds = Math.floor(now.getTime() / 1000);
    state.appMetrics[appId] = { memory_percentage: scenario.memory.map((series) => ({ metric: series.metric, values: series.values.filter(([at]) => at <= seconds) })) };
    const today = isoDate(now);
    state.appBandwidthDaily[appId] = Object.fromEntries(Object.entries(scenario.bandwidth).filter(([date]) => date < today));
  }
  return Number(mtd);
}

/** Per SKU and day (`billing/models/billing_data_point.yml`): steady lines a day's share, each overage on its day. */
function closedMonthInsights(accountUrn: string, period: string, steady: readonly InvoiceResource[], overage: readonly { resource: InvoiceResource; date: string }[]): BillingDataPoint[] {
  const points: BillingDataPoint[] = [];
  const days = daysInMonth(period);
  const point = (date: string, resource: InvoiceResource, usd: number): BillingDataPoint => ({
    usage_team_urn: accountUrn,
    start_date: date,
    total_amount: usd.toFixed(2),
    region: "nyc3",
    sku: `1-${resource.product.toUpperCase().replace(/[^A-Z]+/g, "-")}`,
    description: resource.description,
    group_description: resource.group_description,
  });
  for (let day = 1; day <= days; day++) {
    const date = `${period}-${String(day).padStart(2, "0")}`;
    for (const resource of steady) points.push(point(date, resource, resource.monthlyUsd / days));
    for (const charge of overage) if (charge.date === date) points.push(point(date, charge.resource, charge.resource.monthlyUsd));
  }
  return points;
}

/**
 * memory_percentage of the app's two `api` instances every five minutes, from the month's start
 * (less the two hours a check looks back) to `now`: ~45% overnight rising to ~70% at dinner
 * time, plus the leak of {@link DEMO_MEMORY_INCIDENT} at 84–93%.
 */
function memorySeries(appId: string, now: Date): MemorySeries[] {
  const first = DEMO_MONTH_START.getTime() - 3 * HOUR_MS;
  return ["api-0", "api-1"].map((instance, index) => {
    const random = mulberry32(7_411 + index);
    const values: [number, string][] = [];
    for (let t = first; t <= now.getTime(); t += 5 * 60_000) {
      const hour = new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60;
      // Dinner peak around 19:00 UTC, the quietest hour around 07:00.
      const daily = 45 + 25 * Math.max(0, Math.cos(((hour - 19) / 24) * 2 * Math.PI));
      const leaking = t >= DEMO_MEMORY_INCIDENT.from.getTime() && t < DEMO_MEMORY_INCIDENT.until.getTime();
      const percent = leaking ? 84 + random() * 9 : Math.min(78, daily + random() * 4);
      values.push([Math.floor(t / 1000), percent.toFixed(1)]);
    }
    return { metric: { app_component: "api", app_component_instance: instance, app_uuid: appId }, values };
  });
}

/** Bytes served per day up to yesterday: 20–36 GiB on ordinary days, 74 GiB on the campaign day. */
function bandwidthDays(now: Date): Record<string, string> {
  const days: Record<string, string> = {};
  const random = mulberry32(90_210);
  for (let date = isoDate(DEMO_MONTH_START); date < isoDate(now); date = addDays(date, 1)) {
    const weekend = [5, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
    const gib = date === isoDate(CAMPAIGN.from) ? 74 : 20 + (weekend ? 10 : 0) + random() * 6;
    days[date] = String(Math.round(gib * 2 ** 30));
  }
  return days;
}

function projectResource(droplet: Droplet): ProjectResource {
  return { urn: `do:droplet:${droplet.id}`, assigned_at: droplet.created_at, links: { self: `https://api.digitalocean.com/v2/droplets/${droplet.id}` }, status: "ok" };
}

function sumAmounts(items: readonly InvoiceItem[]): string {
  const cents = items.reduce((sum, item) => sum + Math.round(Number(item.amount ?? "0") * 100), 0);
  return (cents / 100).toFixed(2);
}
