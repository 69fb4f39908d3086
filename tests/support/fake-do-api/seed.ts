/**
 * The fake DigitalOcean account's state and a realistic seed: a restaurant-ordering platform
 * (orders Postgres cluster, an App Platform app with an API service and an order-events
 * worker, three queue workers tagged `service:worker` behind a load balancer, a scratch
 * volume, a reserved IP, Spaces, projects `restaurant-prod` and `restaurant-staging`), plus
 * deterministic generators of large data for pagination tests and benchmarks.
 *
 * Every object uses only fields of DigitalOcean's spec (the fake validates each response,
 * closed objects included); shapes cite `specification/resources/<file>`.
 */
import { createHash } from "node:crypto";
import { mulberry32 } from "../prng";
import type {
  App,
  AppInstanceSize,
  AppMetricName,
  DatabaseMetricName,
  DropletMetricName,
  LoadBalancerMetricName,
  Balance,
  BillingDataPoint,
  BillingHistoryEntry,
  DatabaseCluster,
  Droplet,
  FunctionsNamespace,
  FunctionsTrigger,
  InvoiceItem,
  InvoiceSummaryRow,
  KubernetesCluster,
  LoadBalancer,
  MetricsResponse,
  Project,
  ProjectResource,
  Region,
  ReservedIp,
  Size,
  Snapshot,
  Volume,
} from "../../../functions/src/digitalocean/types";

/** Everything the fake serves; tests mutate it freely between requests. */
export interface FakeAccountState {
  /** `do:team:<uuid>`, the only URN billing insights answer for. */
  accountUrn: string;
  balance: Balance;
  invoices: InvoiceSummaryRow[];
  invoicePreview: InvoiceSummaryRow;
  /** Items by invoice uuid; `"preview"` holds the running month. */
  invoiceItems: Record<string, InvoiceItem[]>;
  billingHistory: BillingHistoryEntry[];
  billingInsights: BillingDataPoint[];
  droplets: Droplet[];
  databases: DatabaseCluster[];
  volumes: Volume[];
  snapshots: Snapshot[];
  kubernetesClusters: KubernetesCluster[];
  loadBalancers: LoadBalancer[];
  apps: App[];
  reservedIps: ReservedIp[];
  projects: Project[];
  /** Resources by project id. */
  projectResources: Record<string, ProjectResource[]>;
  sizes: Size[];
  appInstanceSizes: AppInstanceSize[];
  /** Metric series by app id, then metric; values are `[unixSeconds, "value"]`. */
  appMetrics: Record<string, Partial<Record<AppMetricName, MetricsResponse["data"]["result"]>>>;
  /**
   * Droplet, load balancer and MySQL metric series by resource id, then metric (values are
   * `[unixSeconds, "value"]`); absent in accounts that never serve them.
   */
  resourceMetrics?: {
    droplet?: Record<string, Partial<Record<DropletMetricName, MetricsResponse["data"]["result"]>>>;
    loadBalancer?: Record<string, Partial<Record<LoadBalancerMetricName, MetricsResponse["data"]["result"]>>>;
    database?: Record<string, Partial<Record<DatabaseMetricName, MetricsResponse["data"]["result"]>>>;
  };
  /** Bytes served per app per day (YYYY-MM-DD), as the uint64 string the API returns. */
  appBandwidthDaily: Record<string, Record<string, string>>;
  namespaces: FunctionsNamespace[];
  /** Triggers by namespace id. */
  triggers: Record<string, FunctionsTrigger[]>;
  /** Hourly quota the rate-limit headers report; each request uses one. */
  rateLimit: { limit: number; remaining: number; resetEpochSeconds: number };
}

/** The clock the seed is written against: mid-month, so the preview invoice is partial. */
export const SEED_NOW = new Date("2026-03-15T06:00:00Z");

const TEAM_UUID = "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
export const RESTAURANT_PROD_PROJECT_ID = "4e1bfbc3-dc3e-41f2-a18f-1b4d7ba71679";
export const RESTAURANT_STAGING_PROJECT_ID = "9a7f0c42-5d36-4c1e-8f0b-2b7d3c6e1a58";
const ORDERS_DB_ID = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30";
const APP_ID = "c2a93513-8d9b-4223-9d61-5e7272c81cf5";
const VOLUME_ID = "506f78a4-e098-11e5-ad9f-000f53306ae1";
const LB_ID = "4de7ac8b-495b-4884-9a69-1050c6793cd6";
const K8S_ID = "bd5f5959-5e1e-4205-a714-a914373942af";
const NAMESPACE_ID = "fn-b8e4f5a2-7c3d-4e1f-9a6b-0d2c8e4f6a1b";
const PREVIEW_UUID = "preview";
/** The last closed month's invoice, whose items are seeded (January's are not). */
export const FEBRUARY_INVOICE_UUID = "fdabb512-6faf-443c-ba2e-665452332a9e";

/**
 * Droplet list prices, test data: https://www.digitalocean.com/pricing/droplets (Basic,
 * regular SSD, as listed 2025). Hourly = monthly / 672 rounded as DigitalOcean prints it.
 */
const DROPLET_SIZES: readonly [slug: string, vcpus: number, memoryMb: number, diskGb: number, transferTb: number, monthly: number][] = [
  ["s-1vcpu-1gb", 1, 1024, 25, 1, 6],
  ["s-1vcpu-2gb", 1, 2048, 50, 2, 12],
  ["s-2vcpu-2gb", 2, 2048, 60, 3, 18],
  ["s-2vcpu-4gb", 2, 4096, 80, 4, 24],
  ["s-4vcpu-8gb", 4, 8192, 160, 5, 48],
];

/**
 * App Platform instance prices, test data: https://www.digitalocean.com/pricing/app-platform
 * (as listed 2025). DigitalOcean's `usd_per_second` is the monthly price over 672 hours.
 */
const APP_INSTANCE_SIZES: readonly [slug: string, cpuType: "SHARED" | "DEDICATED", cpus: number, memoryMb: number, monthly: number][] = [
  ["apps-s-1vcpu-0.5gb", "SHARED", 1, 512, 5],
  ["apps-s-1vcpu-1gb-fixed", "SHARED", 1, 1024, 10],
  ["apps-s-1vcpu-1gb", "SHARED", 1, 1024, 12],
  ["apps-s-1vcpu-2gb", "SHARED", 1, 2048, 25],
  ["apps-s-2vcpu-4gb", "SHARED", 2, 4096, 50],
  ["apps-d-1vcpu-0.5gb", "DEDICATED", 1, 512, 29],
  ["apps-d-1vcpu-1gb", "DEDICATED", 1, 1024, 34],
];

const SECONDS_IN_BILLING_MONTH = 672 * 3600;

/** `regions/models/region.yml` for nyc3, the platform's home region. */
export function nyc3(): Region {
  return {
    name: "New York 3",
    slug: "nyc3",
    features: ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"],
    available: true,
    sizes: DROPLET_SIZES.map(([slug]) => slug),
  };
}

/** `sizes/models/size.yml` rows for the seeded droplet sizes. */
export function seedSizes(): Size[] {
  return DROPLET_SIZES.map(([slug, vcpus, memory, disk, transfer, monthly]) => ({
    slug,
    memory,
    vcpus,
    disk,
    transfer,
    price_monthly: monthly,
    price_hourly: Number((monthly / 672).toFixed(5)),
    regions: ["ams3", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "tor1"],
    available: true,
    description: "Basic",
  }));
}

/** A droplet as `droplets/models/droplet.yml` describes it. */
export function makeDroplet(args: { id: number; name: string; sizeSlug: string; tags: string[]; createdAt: string; volumeIds?: string[] }): Droplet {
  const size = seedSizes().find((candidate) => candidate.slug === args.sizeSlug);
  if (!size) throw new Error(`makeDroplet: sizeSlug ${JSON.stringify(args.sizeSlug)} is not a seeded size`);
  const octet = (args.id % 250) + 2;
  return {
    id: args.id,
    name: args.name,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: size.disk,
    locked: false,
    status: "active",
    created_at: args.createdAt,
    features: ["monitoring", "private_networking"],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: { id: 161_500_000, name: "24.04 (LTS) x64", distribution: "Ubuntu", slug: "ubuntu-24-04-x64" },
    volume_ids: args.volumeIds ?? [],
    size,
    size_slug: size.slug,
    networks: {
      v4: [
        { ip_address: `10.116.0.${octet}`, netmask: "255.255.240.0", gateway: "10.116.0.1", type: "private" },
        { ip_address: `198.51.100.${octet}`, netmask: "255.255.255.0", gateway: "198.51.100.1", type: "public" },
      ],
    },
    region: nyc3(),
    tags: args.tags,
    vpc_uuid: "760e09ef-dc84-11e8-981e-3cfdfeaae000",
  };
}

/** `count` droplets with ids from `firstId`, for pagination tests (e.g. 450 → 3 pages of 200). */
export function generateDroplets(count: number, firstId = 500_000_000): Droplet[] {
  return Array.from({ length: count }, (_, index) =>
    makeDroplet({
      id: firstId + index,
      name: `load-test-${String(index + 1).padStart(4, "0")}`,
      sizeSlug: "s-1vcpu-1gb",
      tags: index % 3 === 0 ? [] : [`service:batch-${index % 7}`],
      createdAt: "2026-01-01T00:00:00Z",
    }),
  );
}

/** What an invoice line is about; {@link generateInvoiceItems} spreads items across these. */
export interface InvoiceResource {
  product: string;
  resource_uuid?: string;
  resource_id?: string;
  group_description: string;
  description: string;
  project_name?: string;
  /** Full-month price, used to size the generated amounts. */
  monthlyUsd: number;
}

/** The seeded account's billable resources as invoice lines would name them. */
export function invoiceResourcesOf(state: FakeAccountState): InvoiceResource[] {
  const projectOf = (id: string | undefined) => state.projects.find((project) => project.id === id)?.name;
  const prod = projectOf(RESTAURANT_PROD_PROJECT_ID);
  const resources: InvoiceResource[] = [];
  for (const droplet of state.droplets) {
    resources.push({
      product: "Droplets",
      resource_id: String(droplet.id),
      // Invoices carry a droplet's internal uuid, which the droplet API never shows.
      resource_uuid: uuidFor(`droplet:${droplet.id}`),
      group_description: "",
      description: `${droplet.name} (${droplet.size_slug})`,
      project_name: dropletProject(state, droplet.id),
      monthlyUsd: droplet.size.price_monthly,
    });
  }
  for (const database of state.databases) {
    resources.push({
      product: "Managed Databases",
      resource_uuid: database.id,
      group_description: "",
      description: `${database.name} (${database.size}, ${database.num_nodes} nodes)`,
      project_name: projectOf(database.project_id),
      // db-s-2vcpu-4gb primary + standby: $60 + $60 (https://www.digitalocean.com/pricing/managed-databases, 2025)
      monthlyUsd: 60 * database.num_nodes,
    });
  }
  for (const volume of state.volumes) {
    resources.push({
      product: "Volumes",
      resource_uuid: volume.id,
      group_description: "",
      description: `${volume.name} (${volume.size_gigabytes} GiB)`,
      project_name: prod,
      // $0.10 per GiB-month (https://www.digitalocean.com/pricing/volumes, 2025)
      monthlyUsd: (volume.size_gigabytes ?? 0) * 0.1,
    });
  }
  for (const balancer of state.loadBalancers) {
    resources.push({
      product: "Load Balancers",
      resource_uuid: balancer.id,
      group_description: "",
      description: `${balancer.name} (${balancer.size_unit ?? 1} node)`,
      project_name: projectOf(balancer.project_id),
      // $12 per node-month (https://www.digitalocean.com/pricing/load-balancers, 2025)
      monthlyUsd: 12 * (balancer.size_unit ?? 1),
    });
  }
  for (const app of state.apps) {
    resources.push({
      product: "App Platform",
      resource_uuid: app.id,
      group_description: app.spec.name,
      description: `${app.spec.name} components`,
      project_name: projectOf(app.project_id),
      monthlyUsd: appMonthlyUsd(state, app),
    });
  }
  resources.push({
    product: "Spaces Subscription",
    group_description: "",
    description: "Spaces ($5/mo 250GB storage & 1TB bandwidth)",
    project_name: prod,
    // https://www.digitalocean.com/pricing/spaces-object-storage (2025)
    monthlyUsd: 5,
  });
  return resources;
}

/**
 * `count` invoice items (`billing/models/invoice_item.yml`) cycling through `resources`,
 * each for a deterministic number of hours of `periodStart`'s month (capped at 672).
 */
export function generateInvoiceItems(count: number, resources: readonly InvoiceResource[], periodStart = "2026-03-01T00:00:00Z"): InvoiceItem[] {
  if (resources.length === 0) throw new Error("generateInvoiceItems: resources must not be empty");
  const random = mulberry32(count * 7919 + resources.length);
  const start = new Date(periodStart);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return Array.from({ length: count }, (_, index) => {
    const resource = resources[index % resources.length] as InvoiceResource;
    const hours = 1 + Math.floor(random() * 744);
    const amount = (resource.monthlyUsd * Math.min(hours, 672)) / 672;
    const item: InvoiceItem = {
      product: resource.product,
      group_description: resource.group_description,
      description: resource.description,
      amount: amount.toFixed(2),
      duration: String(hours),
      duration_unit: "Hours",
      start_time: start.toISOString().replace(".000", ""),
      end_time: end.toISOString().replace(".000", ""),
    };
    if (resource.resource_uuid) item.resource_uuid = resource.resource_uuid;
    if (resource.resource_id) item.resource_id = resource.resource_id;
    if (resource.project_name) item.project_name = resource.project_name;
    return item;
  });
}

/** The restaurant-ordering platform's account as of {@link SEED_NOW}. */
export function seedRestaurantPlatformAccount(): FakeAccountState {
  const workers = [1, 2, 3].map((n) =>
    makeDroplet({
      id: 402_110_000 + n,
      name: `restaurant-worker-${n}`,
      sizeSlug: "s-2vcpu-4gb",
      tags: ["service:worker", "env:prod", "team:platform"],
      createdAt: "2025-11-02T09:14:00Z",
      volumeIds: n === 1 ? [VOLUME_ID] : [],
    }),
  );
  const sandbox = makeDroplet({ id: 402_110_099, name: "staging-sandbox", sizeSlug: "s-1vcpu-1gb", tags: [], createdAt: "2026-03-10T16:40:00Z" });

  const state: FakeAccountState = {
    accountUrn: `do:team:${TEAM_UUID}`,
    balance: { month_to_date_balance: "0.00", account_balance: "0.00", month_to_date_usage: "0.00", generated_at: SEED_NOW.toISOString().replace(".000", "") },
    invoices: [
      { invoice_uuid: FEBRUARY_INVOICE_UUID, invoice_id: "8721003", amount: "0.00", invoice_period: "2026-02", updated_at: "2026-03-01T08:12:41Z" },
      { invoice_uuid: "22737513-0ea7-4206-8ceb-98a575af7681", invoice_id: "8634101", amount: "388.15", invoice_period: "2026-01", updated_at: "2026-02-01T08:05:02Z" },
    ],
    invoicePreview: { invoice_uuid: "1afe95e6-0958-4eb0-8d9a-9c5060d3ef03", amount: "0.00", invoice_period: "2026-03", updated_at: SEED_NOW.toISOString().replace(".000", "") },
    invoiceItems: {},
    billingHistory: [
      { description: "Invoice for February 2026", amount: "0.00", invoice_id: "8721003", invoice_uuid: FEBRUARY_INVOICE_UUID, date: "2026-03-01T08:12:41Z", type: "Invoice" },
      { description: "Payment (MC 1234)", amount: "-0.00", date: "2026-03-02T10:00:00Z", type: "Payment" },
      { description: "Invoice for January 2026", amount: "388.15", invoice_id: "8634101", invoice_uuid: "22737513-0ea7-4206-8ceb-98a575af7681", date: "2026-02-01T08:05:02Z", type: "Invoice" },
      { description: "Payment (MC 1234)", amount: "-388.15", date: "2026-02-02T10:00:00Z", type: "Payment" },
    ],
    billingInsights: [],
    droplets: [...workers, sandbox],
    databases: [
      {
        id: ORDERS_DB_ID,
        name: "restaurant-orders-pg",
        engine: "pg",
        version: "16",
        num_nodes: 2,
        size: "db-s-2vcpu-4gb",
        region: "nyc3",
        status: "online",
        created_at: "2025-10-20T12:00:00Z",
        tags: ["service:orders", "env:prod"],
        project_id: RESTAURANT_PROD_PROJECT_ID,
        storage_size_mib: 61_440,
      },
    ],
    volumes: [
      {
        id: VOLUME_ID,
        droplet_ids: [402_110_001],
        name: "worker-scratch",
        description: "Scratch space for receipt rendering",
        size_gigabytes: 100,
        created_at: "2025-11-02T09:20:00Z",
        tags: ["service:worker", "env:prod"],
        region: nyc3(),
        filesystem_type: "ext4",
        filesystem_label: "scratch",
      },
    ],
    snapshots: [
      {
        id: "8fa70202-873f-11e6-8b68-000f533176b1",
        name: "worker-scratch-2026-03-01",
        created_at: "2026-03-01T03:00:00Z",
        regions: ["nyc3"],
        min_disk_size: 100,
        size_gigabytes: 12.5,
        resource_id: VOLUME_ID,
        resource_type: "volume",
        tags: ["service:worker"],
      },
    ],
    kubernetesClusters: [
      {
        id: K8S_ID,
        name: "restaurant-staging-k8s",
        region: "nyc3",
        version: "1.32.2-do.0",
        tags: ["env:staging"],
        node_pools: [{ id: "cdda885e-7663-40c8-bc74-3a036c66545d", name: "staging-pool", size: "s-2vcpu-4gb", count: 2, tags: ["env:staging"], auto_scale: false }],
        ha: false,
        created_at: "2026-02-11T10:00:00Z",
      },
    ],
    loadBalancers: [
      {
        id: LB_ID,
        name: "restaurant-lb",
        project_id: RESTAURANT_PROD_PROJECT_ID,
        size_unit: 1,
        status: "active",
        created_at: "2025-11-02T09:30:00Z",
        forwarding_rules: [{ entry_protocol: "https", entry_port: 443, target_protocol: "http", target_port: 8080 }],
        region: nyc3(),
        droplet_ids: workers.map((droplet) => droplet.id),
        tag: "service:worker",
        type: "REGIONAL",
      },
    ],
    apps: [
      {
        id: APP_ID,
        owner_uuid: "ff36cbc6fd350fe12577f5123133bb5ba01a2419",
        spec: {
          name: "restaurant-web",
          region: "nyc",
          services: [{ name: "api", instance_count: 2, instance_size_slug: "apps-s-1vcpu-1gb" }],
          workers: [{ name: "order-events", instance_count: 1, instance_size_slug: "apps-s-1vcpu-0.5gb" }],
        },
        tier_slug: "basic",
        project_id: RESTAURANT_PROD_PROJECT_ID,
        created_at: "2025-10-21T08:00:00Z",
        updated_at: "2026-03-12T17:25:00Z",
        live_url: "https://restaurant-web-7xk2q.ondigitalocean.app",
      },
    ],
    reservedIps: [{ ip: "203.0.113.10", region: nyc3(), droplet: null, locked: false, project_id: RESTAURANT_PROD_PROJECT_ID }],
    projects: [
      { id: RESTAURANT_PROD_PROJECT_ID, owner_uuid: "99525febec065ca37b2ffe4f852fd2b2581895e7", owner_id: 258992, name: "restaurant-prod", description: "Ordering platform, production", purpose: "Web Application", environment: "Production", created_at: "2025-10-20T11:00:00Z", updated_at: "2025-10-20T11:00:00Z", is_default: true },
      { id: RESTAURANT_STAGING_PROJECT_ID, owner_uuid: "99525febec065ca37b2ffe4f852fd2b2581895e7", owner_id: 258992, name: "restaurant-staging", description: "Ordering platform, staging", purpose: "Web Application", environment: "Staging", created_at: "2026-02-11T09:00:00Z", updated_at: "2026-02-11T09:00:00Z", is_default: false },
    ],
    projectResources: {
      [RESTAURANT_PROD_PROJECT_ID]: [
        ...workers.map((droplet) => resource(`do:droplet:${droplet.id}`, droplet.created_at)),
        resource(`do:dbaas:${ORDERS_DB_ID}`, "2025-10-20T12:00:00Z"),
        resource(`do:volume:${VOLUME_ID}`, "2025-11-02T09:20:00Z"),
        resource(`do:loadbalancer:${LB_ID}`, "2025-11-02T09:30:00Z"),
        resource("do:floatingip:203.0.113.10", "2025-11-02T09:31:00Z"),
        resource("do:space:restaurant-menus", "2025-10-22T08:00:00Z"),
      ],
      [RESTAURANT_STAGING_PROJECT_ID]: [
        resource(`do:droplet:${sandbox.id}`, sandbox.created_at),
        resource(`do:kubernetes:${K8S_ID}`, "2026-02-11T10:00:00Z"),
      ],
    },
    sizes: seedSizes(),
    appInstanceSizes: APP_INSTANCE_SIZES.map(([slug, cpuType, cpus, memoryMb, monthly]) => ({
      name: slug,
      slug,
      cpu_type: cpuType,
      cpus: String(cpus),
      memory_bytes: String(memoryMb * 1024 * 1024),
      usd_per_month: monthly.toFixed(2),
      usd_per_second: (monthly / SECONDS_IN_BILLING_MONTH).toFixed(12),
      tier_slug: cpuType === "SHARED" ? "basic" : "professional",
      bandwidth_allowance_gib: cpuType === "SHARED" ? "50" : "100",
      deprecation_intent: false,
      scalable: slug !== "apps-s-1vcpu-0.5gb",
      single_instance_only: false,
    })),
    appMetrics: {
      [APP_ID]: {
        memory_percentage: [
          { metric: { app_component: "api", app_component_instance: "api-0", app_uuid: APP_ID }, values: hourlySeries(SEED_NOW, 6, [41.2, 43.8, 47.1, 52.6, 49.9, 44.3]) },
        ],
        cpu_percentage: [
          { metric: { app_component: "api", app_component_instance: "api-0", app_uuid: APP_ID }, values: hourlySeries(SEED_NOW, 6, [12.5, 18.0, 35.2, 61.7, 40.1, 22.9]) },
        ],
      },
    },
    appBandwidthDaily: { [APP_ID]: { "2026-03-13": "1843200000", "2026-03-14": "2104509440" } },
    namespaces: [
      {
        api_host: "https://faas-nyc1-2ef2e6cc.doserverless.co",
        namespace: NAMESPACE_ID,
        created_at: "2026-01-05T10:00:00Z",
        updated_at: "2026-01-05T10:00:00Z",
        label: "do-cost-guard",
        region: "nyc1",
        uuid: "b8e4f5a2-7c3d-4e1f-9a6b-0d2c8e4f6a1b",
        key: "dof_v1_fake_namespace_key_not_a_secret",
      },
    ],
    triggers: {
      [NAMESPACE_ID]: [
        {
          namespace: NAMESPACE_ID,
          name: "hourly-ingest",
          function: "tracker/ingest",
          type: "SCHEDULED",
          is_enabled: true,
          created_at: "2026-01-05T10:05:00Z",
          updated_at: "2026-01-05T10:05:00Z",
          scheduled_details: { cron: "5 * * * *", body: { name: "ingest" } },
          scheduled_runs: { last_run_at: "2026-03-15T05:05:00Z", next_run_at: "2026-03-15T06:05:00Z" },
        },
      ],
    },
    rateLimit: { limit: 5000, remaining: 5000, resetEpochSeconds: Math.floor(SEED_NOW.getTime() / 1000) + 3600 },
  };

  // The running month: 14 days and 6 hours into March = 342 hours of each resource.
  const hoursSoFar = (SEED_NOW.getTime() - Date.UTC(2026, 2, 1)) / 3_600_000;
  const preview = invoiceResourcesOf(state).map((line) => previewItem(line, hoursSoFar));
  state.invoiceItems[PREVIEW_UUID] = preview;
  const february = invoiceResourcesOf(state).map((line) => previewItem(line, 672, "2026-02"));
  state.invoiceItems[FEBRUARY_INVOICE_UUID] = february;
  // The February invoice, its history line and its payment all show what its items add up to.
  const februaryTotal = sumAmounts(february);
  for (const row of [state.invoices[0], state.billingHistory[0]]) if (row) row.amount = februaryTotal;
  if (state.billingHistory[1]) state.billingHistory[1].amount = `-${februaryTotal}`;
  const usage = Number(sumAmounts(preview));
  state.balance.month_to_date_usage = usage.toFixed(2);
  state.balance.month_to_date_balance = usage.toFixed(2);
  state.invoicePreview.amount = usage.toFixed(2);
  state.billingInsights = dailyInsights(state, hoursSoFar);
  return state;
}

/** An invoice item for one resource over a whole billing month (`billing/models/invoice_item.yml`). */
export function monthInvoiceItem(resource: InvoiceResource, amountUsd: number, period: string, duration: number, unit: string): InvoiceItem {
  const [year, month] = period.split("-").map(Number) as [number, number];
  const item: InvoiceItem = {
    product: resource.product,
    group_description: resource.group_description,
    description: resource.description,
    amount: amountUsd.toFixed(2),
    duration: String(duration),
    duration_unit: unit,
    start_time: new Date(Date.UTC(year, month - 1, 1)).toISOString().replace(".000", ""),
    end_time: new Date(Date.UTC(year, month, 1)).toISOString().replace(".000", ""),
  };
  if (resource.resource_uuid) item.resource_uuid = resource.resource_uuid;
  if (resource.resource_id) item.resource_id = resource.resource_id;
  if (resource.project_name) item.project_name = resource.project_name;
  return item;
}

/** A droplet-style line after `hours` of the month: hourly up to the 672-hour monthly cap. */
function previewItem(line: InvoiceResource, hours: number, period = "2026-03"): InvoiceItem {
  return monthInvoiceItem(line, (line.monthlyUsd * Math.min(hours, 672)) / 672, period, Math.round(hours), "Hours");
}

/** One data point per SKU per full day of the month so far (`billing/models/billing_data_point.yml`). */
function dailyInsights(state: FakeAccountState, hoursSoFar: number): BillingDataPoint[] {
  const points: BillingDataPoint[] = [];
  const lines = invoiceResourcesOf(state);
  for (let day = 1; day <= Math.floor(hoursSoFar / 24); day++) {
    const date = `2026-03-${String(day).padStart(2, "0")}`;
    for (const line of lines) {
      points.push({
        usage_team_urn: state.accountUrn,
        start_date: date,
        total_amount: ((line.monthlyUsd * 24) / 672).toFixed(2),
        region: "nyc3",
        sku: `1-${line.product.toUpperCase().replace(/[^A-Z]+/g, "-")}`,
        description: line.description,
        group_description: line.group_description,
      });
    }
  }
  return points;
}

function dropletProject(state: FakeAccountState, dropletId: number): string | undefined {
  for (const [projectId, resources] of Object.entries(state.projectResources ?? {})) {
    if (resources.some((entry) => entry.urn === `do:droplet:${dropletId}`)) {
      return state.projects.find((project) => project.id === projectId)?.name;
    }
  }
  return undefined;
}

function appMonthlyUsd(state: FakeAccountState, app: App): number {
  const components = [...(app.spec.services ?? []), ...(app.spec.workers ?? []), ...(app.spec.jobs ?? [])];
  return components.reduce((sum, component) => {
    const size = state.appInstanceSizes.find((candidate) => candidate.slug === component.instance_size_slug);
    return sum + Number(size?.usd_per_month ?? 0) * (component.instance_count ?? 1);
  }, 0);
}

function sumAmounts(items: readonly InvoiceItem[]): string {
  const cents = items.reduce((sum, item) => sum + Math.round(Number(item.amount ?? "0") * 100), 0);
  return (cents / 100).toFixed(2);
}

function resource(urn: string, assignedAt: string): ProjectResource {
  return { urn, assigned_at: assignedAt, links: { self: `https://api.digitalocean.com/v2/${urn.split(":")[1]}s/${urn.split(":")[2]}` }, status: "ok" };
}

function hourlySeries(end: Date, hours: number, values: number[]): [number, string][] {
  const endSeconds = Math.floor(end.getTime() / 1000);
  return values.slice(0, hours).map((value, index) => [endSeconds - (hours - 1 - index) * 3600, value.toFixed(1)]);
}

function uuidFor(text: string): string {
  const hex = createHash("sha256").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

