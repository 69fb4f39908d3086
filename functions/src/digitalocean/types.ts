/**
 * The DigitalOcean API shapes the tracker reads, written by hand from DigitalOcean's OpenAPI
 * spec (each cites its file under `specification/resources/` of github.com/digitalocean/openapi
 * at the commit named in vendor/digitalocean-openapi/NOTICE, or under `specification/` for
 * the `shared/` files).
 * Only fields we use or display are listed; the spec marks almost everything optional, and so
 * do these types where the spec does. Amounts stay strings exactly as the API sends them:
 * converting them is the caller's job (`core/money` `parseUsd`), so no precision is lost here.
 */
import type { InvoiceLine } from "../../../core/calibration/realised-prices";

/** `shared/pages.yml` `page_links`: absolute URLs; `first`/`prev` only after page 1, `next`/`last` only before the last page. */
export interface PageLinks {
  pages?: { first?: string; prev?: string; next?: string; last?: string };
}

/** `shared/meta.yml`: the total number of items across all pages. */
export interface Meta {
  total?: number;
}

/** The envelope of every paginated list (`shared/pages.yml` + `shared/meta.yml`). */
export interface Paginated {
  links?: PageLinks;
  meta: Meta;
}

/** `shared/models/error.yml`. */
export interface ErrorBody {
  id: string;
  message: string;
  request_id?: string;
}

/** `billing/models/balance.yml`. */
export interface Balance {
  month_to_date_balance?: string;
  account_balance?: string;
  month_to_date_usage?: string;
  generated_at?: string;
}

/** `billing/models/invoice_preview.yml` (used for both `invoices[]` and `invoice_preview`). */
export interface InvoiceSummaryRow {
  invoice_uuid?: string;
  invoice_id?: string;
  amount?: string;
  /** "2020-01" */
  invoice_period?: string;
  updated_at?: string;
}

/** `billing/invoices_list.yml`: every invoice plus the running preview of the current month. */
export interface InvoiceList {
  invoices: InvoiceSummaryRow[];
  invoice_preview?: InvoiceSummaryRow;
}

/**
 * `billing/models/invoice_item.yml`. No tags and no category in the JSON form. The fields the
 * calibration prices by are core's `InvoiceLine`; the rest are what allocation reads.
 */
export interface InvoiceItem extends InvoiceLine {
  group_description?: string;
  project_name?: string;
}

/** `billing/models/billing_history.yml` `type`. */
export type BillingHistoryType =
  | "ACHFailure"
  | "Adjustment"
  | "AttemptFailed"
  | "Chargeback"
  | "Credit"
  | "CreditExpiration"
  | "Invoice"
  | "Payment"
  | "Refund"
  | "Reversal";

/** `billing/models/billing_history.yml`. */
export interface BillingHistoryEntry {
  description?: string;
  amount?: string;
  invoice_id?: string;
  invoice_uuid?: string;
  date?: string;
  type?: BillingHistoryType;
}

/** `billing/models/billing_data_point.yml`: one SKU's estimated usage for one day. */
export interface BillingDataPoint {
  usage_team_urn?: string;
  /** YYYY-MM-DD */
  start_date?: string;
  total_amount?: string;
  region?: string;
  sku?: string;
  description?: string;
  group_description?: string;
}

/**
 * The spec's `organization_team` schema (`GET /v2/organizations/teams`, answered in an
 * organisation's context only): one team of the organisation.
 */
export interface OrganizationTeam {
  id?: number;
  uuid?: string;
  name?: string;
  email?: string;
  member_count?: number;
  status?: "joined" | "pending";
  joined_organization_at?: string;
  company?: string;
}

/** `billing/billingInsights_list.yml` 200 body: paged by counts, not links. */
export interface BillingInsightsPage {
  data_points: BillingDataPoint[];
  total_items: number;
  total_pages: number;
  current_page: number;
}

/** `regions/models/region.yml`. */
export interface Region {
  name: string;
  slug: string;
  features: string[];
  available: boolean;
  sizes: string[];
}

/** `sizes/models/size.yml`. Prices here are numbers, unlike billing amounts. */
export interface Size {
  slug: string;
  memory: number;
  vcpus: number;
  disk: number;
  transfer: number;
  price_monthly: number;
  price_hourly: number;
  regions: string[];
  available: boolean;
  description: string;
}

/** `droplets/models/droplet.yml` (the fields cost tracking uses). */
export interface Droplet {
  id: number;
  name: string;
  memory: number;
  vcpus: number;
  disk: number;
  locked: boolean;
  status: "new" | "active" | "off" | "archive";
  created_at: string;
  features: string[];
  backup_ids: number[];
  next_backup_window: { start?: string; end?: string } | null;
  snapshot_ids: number[];
  image: { id?: number; name?: string; distribution?: string; slug?: string | null; [field: string]: unknown };
  volume_ids: string[];
  size: Size;
  size_slug: string;
  networks: {
    v4?: { ip_address?: string; netmask?: string; gateway?: string; type?: "public" | "private" }[];
    v6?: { ip_address?: string; netmask?: number; gateway?: string; type?: "public" }[];
  };
  region: Region;
  tags: string[];
  vpc_uuid?: string;
}

/** `databases/models/database_cluster_read.yml` (connection details omitted: they carry secrets). */
export interface DatabaseCluster {
  id?: string;
  name: string;
  engine: "pg" | "mysql" | "redis" | "valkey" | "mongodb" | "kafka" | "opensearch" | "advanced_pg" | "advanced_mysql";
  version?: string;
  num_nodes: number;
  /** A database size slug such as `db-s-1vcpu-1gb`. */
  size: string;
  region: string;
  status?: "creating" | "online" | "resizing" | "migrating" | "forking";
  created_at?: string;
  tags?: string[] | null;
  project_id?: string;
  storage_size_mib?: number;
}

/** `volumes/models/volume_full.yml`. */
export interface Volume {
  id?: string;
  droplet_ids?: number[] | null;
  name?: string;
  description?: string;
  size_gigabytes?: number;
  created_at?: string;
  tags?: string[];
  region?: Region;
  filesystem_type?: string;
  filesystem_label?: string;
}

/** `snapshots/models/snapshots.yml`. */
export interface Snapshot {
  id: string;
  name: string;
  created_at: string;
  regions: string[];
  min_disk_size: number;
  size_gigabytes: number;
  resource_id: string;
  resource_type: "droplet" | "volume";
  tags: string[] | null;
}

/** `kubernetes/models/node_pool.yml`. */
export interface KubernetesNodePool {
  id?: string;
  name: string;
  /** A droplet size slug. */
  size: string;
  count: number;
  tags?: string[];
  auto_scale?: boolean;
  min_nodes?: number;
  max_nodes?: number;
}

/** `kubernetes/models/cluster_read.yml`. */
export interface KubernetesCluster {
  id?: string;
  name: string;
  region: string;
  version: string;
  tags?: string[];
  node_pools: KubernetesNodePool[];
  ha?: boolean;
  created_at?: string;
}

/** `load_balancers/models/load_balancer.yml`. */
export interface LoadBalancer {
  id?: string;
  name?: string;
  project_id?: string;
  size_unit?: number;
  size?: "lb-small" | "lb-medium" | "lb-large";
  status?: "new" | "active" | "errored";
  created_at?: string;
  forwarding_rules: {
    entry_protocol: "http" | "https" | "http2" | "http3" | "tcp" | "udp";
    entry_port: number;
    target_protocol: "http" | "https" | "http2" | "tcp" | "udp";
    target_port: number;
  }[];
  region?: Region;
  droplet_ids?: number[];
  /** Load balancers are not taggable: they select droplets by this tag. */
  tag?: string;
  type?: "REGIONAL" | "REGIONAL_NETWORK" | "GLOBAL";
  /** The regional load balancers a GLOBAL one forwards to (`load_balancer_base.yml`). */
  target_load_balancer_ids?: string[];
}

/** `apps/models/app_component_instance_base.yml`, the cost-relevant part of a component spec. */
export interface AppComponentSpec {
  name?: string;
  instance_count?: number;
  instance_size_slug?: string;
}

/** `apps/models/app_spec.yml`. */
export interface AppSpec {
  name: string;
  region?: string;
  services?: AppComponentSpec[];
  workers?: AppComponentSpec[];
  jobs?: AppComponentSpec[];
  static_sites?: { name?: string }[];
}

/** `apps/models/app.yml`. Apps are not taggable; allocation goes through `project_id`. */
export interface App {
  id?: string;
  owner_uuid?: string;
  spec: AppSpec;
  tier_slug?: string;
  project_id?: string;
  created_at?: string;
  updated_at?: string;
  live_url?: string;
  region?: { slug?: string; label?: string };
}

/** `apps/models/apps_instance_size.yml`. Numbers arrive as strings (int64 and money). */
export interface AppInstanceSize {
  name?: string;
  slug?: string;
  cpu_type?: "UNSPECIFIED" | "SHARED" | "DEDICATED";
  cpus?: string;
  memory_bytes?: string;
  usd_per_month?: string;
  usd_per_second?: string;
  tier_slug?: string;
  bandwidth_allowance_gib?: string;
  deprecation_intent?: boolean;
  scalable?: boolean;
  single_instance_only?: boolean;
}

/** `reserved_ips/models/reserved_ip.yml`; `droplet` is `null` when unassigned (and billed). */
export interface ReservedIp {
  ip?: string;
  region?: Region;
  droplet?: Droplet | null;
  locked?: boolean;
  project_id?: string;
}

/** `projects/models/project.yml`. */
export interface Project {
  id?: string;
  owner_uuid?: string;
  owner_id?: number;
  name?: string;
  description?: string;
  purpose?: string;
  environment?: "Development" | "Staging" | "Production";
  created_at?: string;
  updated_at?: string;
  is_default?: boolean;
}

/** `projects/models/resource.yml`: `urn` is `do:<type>:<id>`, e.g. `do:droplet:4126` or `do:dbaas:<uuid>`. */
export interface ProjectResource {
  urn?: string;
  assigned_at?: string;
  links?: { self?: string };
  status?: "ok" | "not_found" | "assigned" | "already_assigned" | "service_down";
}

/** The three app metrics `/v2/monitoring/metrics/apps/{metric}` serves (`monitoring/`). */
export type AppMetricName = "cpu_percentage" | "memory_percentage" | "restart_count";

/** `actions/models/action.yml`: a droplet action such as a snapshot or power-off. */
export interface DropletAction {
  id: number;
  status: "in-progress" | "completed" | "errored";
  type: string;
  started_at?: string;
  completed_at?: string | null;
  resource_id?: number;
  resource_type?: string;
}

/** The droplet metrics the advisor reads (`/v2/monitoring/metrics/droplet/…`). */
export type DropletMetricName = "cpu" | "memory_total" | "memory_available" | "bandwidth";

/** The load balancer metric the advisor reads (`/v2/monitoring/metrics/load_balancer/…`). */
export type LoadBalancerMetricName = "frontend_connections_current";

/** The MySQL cluster metrics the advisor reads (`/v2/monitoring/metrics/database/mysql/…`). */
export type DatabaseMetricName = "cpu_usage" | "memory_usage";

/** `monitoring/models/metrics.yml`: a Prometheus-style matrix of `[unixSeconds, "value"]` pairs. */
export interface MetricsResponse {
  status: "success" | "error";
  data: {
    resultType: "matrix";
    result: { metric: Record<string, string>; values: (number | string)[][] }[];
  };
}

/** `apps/models/app_metrics_bandwidth_usage.yml`; bytes are a uint64 string. */
export interface AppBandwidthUsage {
  app_bandwidth_usage?: { app_id?: string; bandwidth_bytes?: string }[];
  date?: string;
}

/** `functions/models/namespace_info.yml`. `key` is a credential: never log it. */
export interface FunctionsNamespace {
  api_host?: string;
  namespace?: string;
  created_at?: string;
  updated_at?: string;
  label?: string;
  region?: string;
  uuid?: string;
  key?: string;
}

/** `functions/models/scheduled_details.yml`. */
export interface ScheduledDetails {
  cron: string;
  body?: { name?: string; [field: string]: unknown } | null;
}

/** `functions/models/trigger_info.yml`. */
export interface FunctionsTrigger {
  namespace?: string;
  name?: string;
  function?: string;
  type?: string;
  is_enabled?: boolean;
  created_at?: string;
  updated_at?: string;
  scheduled_details?: ScheduledDetails;
  scheduled_runs?: { last_run_at?: string | null; next_run_at?: string | null };
}

/** `functions/models/create_trigger.yml`. */
export interface CreateTriggerRequest {
  name: string;
  function: string;
  type: "SCHEDULED";
  is_enabled: boolean;
  scheduled_details: ScheduledDetails;
}

/** `functions/models/update_trigger.yml`. */
export interface UpdateTriggerRequest {
  is_enabled?: boolean;
  scheduled_details?: ScheduledDetails;
}
