/**
 * The production DigitalOcean API client the tracker, the price refresh and the Functions
 * deploy use. It reads whole lists (following `links.pages.next` with `per_page=200`), stays
 * inside the rate limit (slows down when `ratelimit-remaining` runs low), retries what is safe
 * to retry by the project's one retry policy (`core/retry.ts`: `retry-after`, full-jitter
 * backoff), and never returns a partial list or leaks the token, not even when the server
 * echoes it back in an error, a request id or a link. Every wait and every source of chance is injectable so
 * tests run in milliseconds and assert the exact delays.
 */
import type {
  App,
  AppBandwidthUsage,
  AppInstanceSize,
  AppMetricName,
  DatabaseMetricName,
  DropletAction,
  DropletMetricName,
  LoadBalancerMetricName,
  Balance,
  BillingDataPoint,
  BillingHistoryEntry,
  BillingInsightsPage,
  CreateTriggerRequest,
  DatabaseCluster,
  Droplet,
  ErrorBody,
  FunctionsNamespace,
  FunctionsTrigger,
  InvoiceItem,
  InvoiceList,
  InvoiceSummaryRow,
  KubernetesCluster,
  LoadBalancer,
  MetricsResponse,
  OrganizationTeam,
  Paginated,
  Project,
  ProjectResource,
  ReservedIp,
  Size,
  Snapshot,
  UpdateTriggerRequest,
  Volume,
} from "./types";
import { retrySetup, withRetries, type AttemptResult, type RetryOptions, type RetrySetup } from "../../../core/retry";
import type { RequestMeter } from "./token-meter";

/** DigitalOcean's documented page-size ceiling (`per_page` maximum 200 in the spec's `per_page` parameter). */
export const MAX_PER_PAGE = 200;
/** How long one attempt may take, headers and body, unless `timeoutMs` says otherwise (engineering choice, 2026-11-27). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Billing insights accept at most 31 days between start and end (`billing/parameters.yml` `end_date`). */
export const MAX_INSIGHTS_SPAN_DAYS = 31;

/** Minimal structured logger; lines never carry headers or the token (every field is scrubbed). */
export interface DigitalOceanLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  debug?(message: string, fields?: Record<string, unknown>): void;
}

/** What the client reports while it works, for progress bars and tests. */
export type DigitalOceanProgressEvent =
  | { kind: "page"; path: string; page: number; itemsSoFar: number; total: number | undefined }
  | { kind: "retry"; method: string; path: string; attempt: number; delayMs: number; reason: string }
  | { kind: "throttle"; delayMs: number; remaining: number };

/** Construction options; only `token` is required. Retries, waits and jitter: see {@link RetryOptions}. */
export interface DigitalOceanClientOptions extends RetryOptions {
  /** A personal access token (read scopes suffice for the tracker). Never logged. */
  token: string;
  baseUrl?: string;
  /** Per attempt, covering headers and body. */
  timeoutMs?: number;
  /** Below this many remaining requests the client spreads the rest until `ratelimit-reset`. */
  lowRateLimitRemaining?: number;
  fetch?: typeof fetch;
  /**
   * The run's meter for this token (./token-meter.ts), shared by every client using the same
   * token: each attempt waits for its slot before its timeout starts, and one the meter refuses
   * (budget spent, deadline near) is never sent and never retried. Unmetered when absent.
   */
  meter?: RequestMeter;
  onProgress?: (event: DigitalOceanProgressEvent) => void;
  logger?: DigitalOceanLogger;
}

/** Why a call failed when DigitalOcean gave no error id of its own. */
export type ClientErrorId =
  | "timeout"
  | "network_error"
  | "invalid_json"
  | "page_disappeared"
  | "inconsistent_pagination"
  | "unexpected_shape"
  | "foreign_link"
  | "retry_after_too_long";

/**
 * Every failure of the client. `status` is null when no complete HTTP answer arrived.
 * The client builds these with every text field (message, id, request id, path) scrubbed of
 * the token.
 */
export class DigitalOceanApiError extends Error {
  readonly status: number | null;
  /** DigitalOcean's error id (`not_found`, `too_many_requests`, …) or a {@link ClientErrorId}. */
  readonly id: string;
  readonly requestId: string | undefined;
  readonly method: string;
  /** Path and query, without the host. */
  readonly path: string;
  readonly attempts: number;

  constructor(fields: {
    status: number | null;
    id: string;
    message: string;
    requestId?: string;
    method: string;
    path: string;
    attempts: number;
  }) {
    const status = fields.status === null ? "" : `${fields.status} `;
    const request = fields.requestId ? ` (request ${fields.requestId})` : "";
    const attempts = fields.attempts > 1 ? ` after ${fields.attempts} attempts` : "";
    super(`DigitalOcean ${fields.method} ${fields.path} failed: ${status}${fields.id}: ${fields.message}${request}${attempts}`);
    this.name = "DigitalOceanApiError";
    this.status = fields.status;
    this.id = fields.id;
    this.requestId = fields.requestId;
    this.method = fields.method;
    this.path = fields.path;
    this.attempts = fields.attempts;
  }
}

/** Options for {@link DigitalOceanClient.request}. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

type Query = RequestOptions["query"];
type ApiErrorFields = ConstructorParameters<typeof DigitalOceanApiError>[0];
type PageBody = Paginated & Record<string, unknown>;

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

const REDACTED = "[REDACTED]";
const DAY_MS = 86_400_000;

/** Typed access to the parts of the DigitalOcean API this project reads and writes. */
export class DigitalOceanClient {
  // A private field keeps the token out of util.inspect, JSON.stringify and error objects.
  readonly #token: string;
  private readonly baseUrl: URL;
  private readonly timeoutMs: number;
  private readonly retry: RetrySetup;
  private readonly lowRateLimitRemaining: number;
  private readonly fetchImpl: typeof fetch;
  private readonly meter: RequestMeter | undefined;
  private readonly onProgress: (event: DigitalOceanProgressEvent) => void;
  private readonly logger: DigitalOceanLogger | undefined;
  private rateLimit: { remaining: number; resetMs: number } | undefined;

  constructor(options: DigitalOceanClientOptions) {
    if (!options.token || !options.token.trim()) throw new Error("DigitalOceanClient: token must be a non-empty string");
    this.#token = options.token;
    this.baseUrl = new URL(options.baseUrl ?? "https://api.digitalocean.com");
    this.timeoutMs = positive("timeoutMs", options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.retry = retrySetup("DigitalOceanClient", options);
    // DigitalOcean allows 5,000 requests/hour; 50 left is 1% of the hour, time to spread out.
    this.lowRateLimitRemaining = nonNegativeInteger("lowRateLimitRemaining", options.lowRateLimitRemaining ?? 50);
    this.fetchImpl = options.fetch ?? fetch;
    this.meter = options.meter;
    this.onProgress = options.onProgress ?? (() => undefined);
    this.logger = options.logger;
  }

  /** Whether this run's meter would grant `requests` more attempts (see RequestMeter.affords); always, unmetered. */
  affords(requests: number): boolean {
    return this.meter === undefined || this.meter.affords(requests);
  }

  // ---- billing --------------------------------------------------------------------------

  /** `GET /v2/customers/my/balance`: month-to-date usage and balance (strings). */
  getBalance(): Promise<Balance> {
    return this.request<Balance>("GET", "/v2/customers/my/balance");
  }

  /** `GET /v2/customers/my/invoices`, all pages, plus the current month's `invoice_preview`. */
  async listInvoices(): Promise<InvoiceList> {
    const invoices: InvoiceSummaryRow[] = [];
    let preview: InvoiceSummaryRow | undefined;
    for await (const page of this.pages("/v2/customers/my/invoices", "invoices", {}, () => invoices.length)) {
      invoices.push(...this.itemsOf<InvoiceSummaryRow>(page, "invoices", "/v2/customers/my/invoices"));
      // Every page repeats the preview; the first one is as fresh as any.
      preview ??= page.invoice_preview as InvoiceSummaryRow | undefined;
    }
    return preview ? { invoices, invoice_preview: preview } : { invoices };
  }

  /** Every item of an invoice, or of the running month with `"preview"` (regenerated daily). */
  listInvoiceItems(invoiceUuid: string): Promise<InvoiceItem[]> {
    return this.listAll<InvoiceItem>(invoiceItemsPath(invoiceUuid), "invoice_items");
  }

  /**
   * The items of an invoice (or `"preview"`) page by page, as each arrives: a big account's
   * month is 100,000 items, and a caller that only sums them need not hold them all. The
   * whole-list guarantees of {@link listAll} hold when the iteration ends: a vanished page or
   * a total that does not add up throws from the loop, after the last page.
   */
  invoiceItemPages(invoiceUuid: string): AsyncGenerator<InvoiceItem[]> {
    return this.listPages<InvoiceItem>(invoiceItemsPath(invoiceUuid), "invoice_items");
  }

  /** `GET /v2/customers/my/billing_history`, all pages. */
  listBillingHistory(): Promise<BillingHistoryEntry[]> {
    return this.listAll<BillingHistoryEntry>("/v2/customers/my/billing_history", "billing_history");
  }

  /**
   * Daily estimated usage per SKU between two dates (YYYY-MM-DD, at most 31 days apart),
   * all pages. `accountUrn` is `do:team:<uuid>` or `do:teamgroup:<uuid>`.
   */
  async getBillingInsights(accountUrn: string, startDate: string, endDate: string): Promise<BillingDataPoint[]> {
    const points: BillingDataPoint[] = [];
    for await (const page of this.billingInsightsPages(accountUrn, startDate, endDate)) for (const point of page) points.push(point);
    return points;
  }

  /**
   * {@link getBillingInsights} page by page, as each arrives: an organisation's month is one
   * data point per team, SKU and day (50 teams × 2,000 SKUs × 31 days is 3 million), and a
   * caller that only sums them need not hold them all. A total that does not add up throws
   * from the loop, after the last page.
   */
  async *billingInsightsPages(accountUrn: string, startDate: string, endDate: string): AsyncGenerator<BillingDataPoint[]> {
    if (!/^do:(team|teamgroup):[^/\s]+$/.test(accountUrn)) {
      throw new Error(`getBillingInsights: accountUrn must look like do:team:<uuid> (got ${JSON.stringify(accountUrn)})`);
    }
    const start = parseIsoDate("startDate", startDate);
    const end = parseIsoDate("endDate", endDate);
    const spanDays = (end - start) / DAY_MS;
    if (spanDays < 0) throw new Error(`getBillingInsights: endDate ${endDate} is before startDate ${startDate}`);
    if (spanDays > MAX_INSIGHTS_SPAN_DAYS) {
      throw new Error(`getBillingInsights: endDate must be within ${MAX_INSIGHTS_SPAN_DAYS} days of startDate (got ${spanDays} days: ${startDate}..${endDate})`);
    }
    // Colons are legal in a path segment and are how DigitalOcean writes URNs.
    const path = `/v2/billing/${encodeURIComponent(accountUrn).replace(/%3A/gi, ":")}/insights/${startDate}/${endDate}`;
    let read = 0;
    let totalItems = 0;
    for (let page = 1, totalPages = 1; page <= totalPages; page++) {
      const body = await this.readPage<BillingInsightsPage>(path, page, read, () =>
        this.request<BillingInsightsPage>("GET", path, { query: { page, per_page: MAX_PER_PAGE } }),
      );
      const points = this.itemsOf<BillingDataPoint>(body, "data_points", path);
      read += points.length;
      totalPages = body.total_pages;
      totalItems = body.total_items;
      yield points;
      this.onProgress({ kind: "page", path, page, itemsSoFar: read, total: totalItems });
    }
    if (read !== totalItems) throw this.inconsistent("GET", path, read, totalItems, "data points");
  }

  // ---- organisations --------------------------------------------------------------------

  /** `GET /v2/organizations/teams`: the organisation's teams (an organisation token's context only; not paged). */
  async listOrganizationTeams(): Promise<OrganizationTeam[]> {
    const body = await this.request<{ teams: OrganizationTeam[] }>("GET", "/v2/organizations/teams");
    return this.itemsOf<OrganizationTeam>(body, "teams", "/v2/organizations/teams");
  }

  // ---- resources ------------------------------------------------------------------------

  /** All droplets (all pages). */
  listDroplets(): Promise<Droplet[]> {
    return this.listAll<Droplet>("/v2/droplets", "droplets");
  }

  /** All managed database clusters; this list is not paginated by DigitalOcean. */
  async listDatabaseClusters(): Promise<DatabaseCluster[]> {
    const body = await this.request<{ databases?: DatabaseCluster[] | null }>("GET", "/v2/databases");
    // An account without clusters answers `{"databases": null}` or omits the key.
    return body.databases ?? [];
  }

  /** All block storage volumes. */
  listVolumes(): Promise<Volume[]> {
    return this.listAll<Volume>("/v2/volumes", "volumes");
  }

  /** All droplet and volume snapshots. */
  listSnapshots(): Promise<Snapshot[]> {
    return this.listAll<Snapshot>("/v2/snapshots", "snapshots");
  }

  /** All Kubernetes clusters with their node pools. */
  listKubernetesClusters(): Promise<KubernetesCluster[]> {
    return this.listAll<KubernetesCluster>("/v2/kubernetes/clusters", "kubernetes_clusters");
  }

  /** All load balancers. */
  listLoadBalancers(): Promise<LoadBalancer[]> {
    return this.listAll<LoadBalancer>("/v2/load_balancers", "load_balancers");
  }

  /** All App Platform apps. */
  listApps(): Promise<App[]> {
    return this.listAll<App>("/v2/apps", "apps");
  }

  /** All reserved IPs (unassigned ones are billed). */
  listReservedIps(): Promise<ReservedIp[]> {
    return this.listAll<ReservedIp>("/v2/reserved_ips", "reserved_ips");
  }

  /** All projects. */
  listProjects(): Promise<Project[]> {
    return this.listAll<Project>("/v2/projects", "projects");
  }

  /** The resources (URNs) assigned to a project. */
  listProjectResources(projectId: string): Promise<ProjectResource[]> {
    return this.listAll<ProjectResource>(`/v2/projects/${encodeURIComponent(projectId)}/resources`, "resources");
  }

  // ---- prices and metrics ---------------------------------------------------------------

  /** Droplet sizes with their monthly and hourly prices. */
  listSizes(): Promise<Size[]> {
    return this.listAll<Size>("/v2/sizes", "sizes");
  }

  /** App Platform instance sizes with `usd_per_month` (strings); not paginated. */
  async listAppInstanceSizes(): Promise<AppInstanceSize[]> {
    const body = await this.request<{ instance_sizes?: AppInstanceSize[] }>("GET", "/v2/apps/tiers/instance_sizes");
    return body.instance_sizes ?? [];
  }

  /**
   * A droplet metric over `[start, end]` (`/v2/monitoring/metrics/droplet/{metric}`): CPU as
   * cumulative seconds per mode, memory gauges in bytes, bandwidth in Mbps for one interface
   * and direction. Needs DigitalOcean's metrics agent on the droplet for memory.
   */
  getDropletMetric(
    metric: DropletMetricName,
    args: { hostId: string; start: Date; end: Date; interface?: "public" | "private"; direction?: "inbound" | "outbound" },
  ): Promise<MetricsResponse> {
    return this.request<MetricsResponse>("GET", `/v2/monitoring/metrics/droplet/${metric}`, {
      query: { host_id: args.hostId, interface: args.interface, direction: args.direction, ...metricWindow(args.start, args.end) },
    });
  }

  /** A load balancer metric over `[start, end]` (`/v2/monitoring/metrics/load_balancer/{metric}`). */
  getLoadBalancerMetric(metric: LoadBalancerMetricName, args: { lbId: string; start: Date; end: Date }): Promise<MetricsResponse> {
    return this.request<MetricsResponse>("GET", `/v2/monitoring/metrics/load_balancer/${metric}`, {
      query: { lb_id: args.lbId, ...metricWindow(args.start, args.end) },
    });
  }

  /** A MySQL cluster metric over `[start, end]` (`/v2/monitoring/metrics/database/mysql/{metric}`), percent. */
  getDatabaseMetric(metric: DatabaseMetricName, args: { dbId: string; aggregate: "avg" | "max" | "min"; start: Date; end: Date }): Promise<MetricsResponse> {
    return this.request<MetricsResponse>("GET", `/v2/monitoring/metrics/database/mysql/${metric}`, {
      query: { db_id: args.dbId, aggregate: args.aggregate, ...metricWindow(args.start, args.end) },
    });
  }

  // ---- clean-up writes (a write-scoped token; only `cleanup --apply` constructs a client for them) ----

  /** `POST /v2/droplets/{id}/actions`: `snapshot` (with a name) or `power_off`; answers the action to follow. */
  async postDropletAction(dropletId: string, action: { type: "snapshot"; name: string } | { type: "power_off" }): Promise<DropletAction> {
    const body = await this.request<{ action: DropletAction }>("POST", `/v2/droplets/${encodeURIComponent(dropletId)}/actions`, { body: action });
    return body.action;
  }

  /** `GET /v2/actions/{id}`: whether a snapshot or power-off has completed. */
  async getAction(actionId: number): Promise<DropletAction> {
    const body = await this.request<{ action: DropletAction }>("GET", `/v2/actions/${actionId}`);
    return body.action;
  }

  /**
   * `POST /v2/volumes/{id}/snapshots`. The spec does not require the `snapshot` key in the 201
   * answer (responses/volumeSnapshot), so it may be missing: a caller that deletes the volume
   * next must check it has an id to restore from.
   */
  async createVolumeSnapshot(volumeId: string, name: string): Promise<Partial<Snapshot> | undefined> {
    const body = await this.request<{ snapshot?: Partial<Snapshot> } | undefined>("POST", `/v2/volumes/${encodeURIComponent(volumeId)}/snapshots`, { body: { name } });
    return body?.snapshot;
  }

  /** `GET /v2/droplets/{id}` (responses/existing_droplet); a 404 DigitalOceanApiError once it is gone. */
  async getDroplet(id: string): Promise<Droplet> {
    const body = await this.request<{ droplet: Droplet }>("GET", `/v2/droplets/${encodeURIComponent(id)}`);
    return body.droplet;
  }

  /** `GET /v2/volumes/{id}` (responses/volume); a 404 DigitalOceanApiError once it is gone. */
  async getVolume(id: string): Promise<Volume> {
    const body = await this.request<{ volume: Volume }>("GET", `/v2/volumes/${encodeURIComponent(id)}`);
    return body.volume;
  }

  /** `GET /v2/snapshots/{id}` (responses/snapshots_existing); a 404 DigitalOceanApiError once it is gone. */
  async getSnapshot(id: string): Promise<Snapshot> {
    const body = await this.request<{ snapshot: Snapshot }>("GET", `/v2/snapshots/${encodeURIComponent(id)}`);
    return body.snapshot;
  }

  /** `DELETE /v2/droplets/{id}`, `/v2/volumes/{id}` or `/v2/snapshots/{id}`; answers 204 with no body. */
  async deleteResource(kind: "droplet" | "volume" | "snapshot", id: string): Promise<void> {
    await this.request<unknown>("DELETE", `/v2/${kind}s/${encodeURIComponent(id)}`);
  }

  /** An app metric as a Prometheus-style matrix over `[start, end]`. */
  getAppMetric(
    metric: AppMetricName,
    args: { appId: string; component?: string; start: Date; end: Date },
  ): Promise<MetricsResponse> {
    if (args.end.getTime() < args.start.getTime()) {
      throw new Error(`getAppMetric: end ${args.end.toISOString()} is before start ${args.start.toISOString()}`);
    }
    return this.request<MetricsResponse>("GET", `/v2/monitoring/metrics/apps/${metric}`, {
      query: {
        app_id: args.appId,
        app_component: args.component,
        start: String(Math.floor(args.start.getTime() / 1000)),
        end: String(Math.floor(args.end.getTime() / 1000)),
      },
    });
  }

  /** An app's bandwidth for one day (DigitalOcean's default: yesterday). */
  getAppBandwidthDaily(appId: string, date?: Date): Promise<AppBandwidthUsage> {
    return this.request<AppBandwidthUsage>("GET", `/v2/apps/${encodeURIComponent(appId)}/metrics/bandwidth_daily`, {
      query: { date: date?.toISOString() },
    });
  }

  // ---- functions ------------------------------------------------------------------------

  /** All Functions namespaces (each carries a credential `key`: do not log them). */
  async listNamespaces(): Promise<FunctionsNamespace[]> {
    const body = await this.request<{ namespaces?: FunctionsNamespace[] }>("GET", "/v2/functions/namespaces");
    return body.namespaces ?? [];
  }

  /** One Functions namespace. */
  async getNamespace(namespaceId: string): Promise<FunctionsNamespace> {
    const body = await this.request<{ namespace?: FunctionsNamespace }>("GET", namespacePath(namespaceId));
    return this.required(body.namespace, "namespace", "GET", namespacePath(namespaceId));
  }

  /** Creates a namespace. Not retried after a 5xx or a lost answer: it might exist already. */
  async createNamespace(args: { region: string; label: string }): Promise<FunctionsNamespace> {
    const body = await this.request<{ namespace?: FunctionsNamespace }>("POST", "/v2/functions/namespaces", { body: args });
    return this.required(body.namespace, "namespace", "POST", "/v2/functions/namespaces");
  }

  /** Deletes a namespace and everything in it. */
  async deleteNamespace(namespaceId: string): Promise<void> {
    await this.request<undefined>("DELETE", namespacePath(namespaceId));
  }

  /** The triggers of a namespace. */
  async listTriggers(namespaceId: string): Promise<FunctionsTrigger[]> {
    const body = await this.request<{ triggers?: FunctionsTrigger[] }>("GET", `${namespacePath(namespaceId)}/triggers`);
    return body.triggers ?? [];
  }

  /** Creates a scheduled trigger. */
  async createTrigger(namespaceId: string, trigger: CreateTriggerRequest): Promise<FunctionsTrigger> {
    const path = `${namespacePath(namespaceId)}/triggers`;
    const body = await this.request<{ trigger?: FunctionsTrigger }>("POST", path, { body: trigger });
    return this.required(body.trigger, "trigger", "POST", path);
  }

  /** Changes a trigger's schedule or switches it on or off. */
  async updateTrigger(namespaceId: string, name: string, update: UpdateTriggerRequest): Promise<FunctionsTrigger> {
    const path = `${namespacePath(namespaceId)}/triggers/${encodeURIComponent(name)}`;
    const body = await this.request<{ trigger?: FunctionsTrigger }>("PUT", path, { body: update });
    return this.required(body.trigger, "trigger", "PUT", path);
  }

  /** Deletes a trigger. */
  async deleteTrigger(namespaceId: string, name: string): Promise<void> {
    await this.request<undefined>("DELETE", `${namespacePath(namespaceId)}/triggers/${encodeURIComponent(name)}`);
  }

  // ---- generic --------------------------------------------------------------------------

  /**
   * Every item of a paginated list: asks for `per_page=200` and follows `links.pages.next`.
   * A page that vanishes mid-way, or a total that does not add up, is an error, because a
   * partial list would under-report cost.
   */
  async listAll<T>(path: string, itemsKey: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.listPages<T>(path, itemsKey, query)) for (const item of page) items.push(item);
    return items;
  }

  /**
   * A paginated list one page of items at a time, with every check of {@link listAll}; the
   * checks that need the whole list (the total, a repeated link) throw from the iteration.
   */
  async *listPages<T>(path: string, itemsKey: string, query: Query = {}): AsyncGenerator<T[]> {
    let count = 0;
    for await (const page of this.pages(path, itemsKey, query, () => count)) {
      const items = this.itemsOf<T>(page, itemsKey, path);
      count += items.length;
      yield items;
    }
  }

  /**
   * One API call with timeout, retries and rate-limit handling. `pathOrUrl` is a path under
   * `baseUrl` or an absolute URL on the same origin. Returns the parsed JSON, or `undefined`
   * for an empty answer (204).
   */
  async request<T>(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<T> {
    const verb = method.toUpperCase();
    const url = this.resolve(pathOrUrl, options.query, verb);
    // A next link is the server's text: it could carry the token, and the path is logged.
    const path = this.redact(`${url.pathname}${url.search}`);
    return withRetries<T, DigitalOceanApiError>((attempt) => this.attempt<T>(verb, url, path, options.body, attempt), {
      ...this.retry,
      sleep: (ms) => this.pause(ms),
      method: verb,
      beforeAttempt: () => this.throttle(),
      onRetry: ({ attempt, delayMs, error }) => {
        const reason = `${error.status ?? ""} ${error.id}`.trim();
        this.logger?.warn("DigitalOcean request will be retried", { method: verb, path, attempt, delayMs, reason });
        this.onProgress({ kind: "retry", method: verb, path, attempt, delayMs, reason });
      },
      giveUp: (error, decision, attempts) =>
        decision.because !== "retry_after_too_long"
          ? error
          : this.apiError({
              status: 429, id: "retry_after_too_long", method: verb, path, attempts, requestId: error.requestId,
              message: `asked to wait ${Math.ceil((decision.retryAfterMs ?? 0) / 1000)} s, more than the ${this.retry.policy.maxDelayMs / 1000} s this client waits`,
            }),
    });
  }

  // ---- internals ------------------------------------------------------------------------

  /**
   * One HTTP exchange, described for the retry policy: a value, or the error with what kind
   * of failure it was (no usable answer, or a status with its `retry-after`).
   */
  private async attempt<T>(method: string, url: URL, path: string, body: unknown, attempt: number): Promise<AttemptResult<T, DigitalOceanApiError>> {
    // The slot comes before `send` starts the timeout, so waiting one's turn never eats into it;
    // a refused slot throws past the retry loop (a thrown attempt is not retried): nothing was sent.
    await this.meter?.acquire();
    let response: RawResponse;
    try {
      response = await this.send(method, url, body);
    } catch (error) {
      return { ok: false, error: this.transportError(error, method, path, attempt), failure: { kind: "no_answer" } };
    }
    this.rememberRateLimit(response.headers);
    if (response.status >= 200 && response.status < 300) {
      if (response.text === "") return { ok: true, value: undefined as T };
      try {
        return { ok: true, value: JSON.parse(response.text) as T };
      } catch {
        const error = this.apiError({
          status: response.status, id: "invalid_json", method, path, attempts: attempt, requestId: response.headers.get("x-request-id") ?? undefined,
          message: `the ${response.status} answer is not valid JSON (${response.text.length} bytes)`,
        });
        // A garbled answer is as good as none: the policy retries it like a lost answer.
        return { ok: false, error, failure: { kind: "no_answer" } };
      }
    }
    const failure = { kind: "status" as const, status: response.status, retryAfter: response.headers.get("retry-after") };
    return { ok: false, error: this.httpError(response, method, path, attempt), failure };
  }

  /** Yields each page's body; `itemsSoFar` lets errors say how much was read. */
  private async *pages(path: string, itemsKey: string, query: Query, itemsSoFar: () => number): AsyncGenerator<PageBody> {
    let next: string | undefined = this.resolve(path, { ...query, per_page: MAX_PER_PAGE }).toString();
    const seen = new Set<string>();
    let total: number | undefined;
    for (let page = 1; next !== undefined; page++) {
      if (seen.has(next)) {
        throw this.inconsistent("GET", path, itemsSoFar(), total, itemsKey, `links.pages.next repeats ${this.redact(next)}`);
      }
      seen.add(next);
      const url: string = next;
      const body = await this.readPage(path, page, itemsSoFar(), () => this.request<PageBody>("GET", url), total);
      if (body === null || typeof body !== "object") {
        throw this.apiError({ status: 200, id: "unexpected_shape", method: "GET", path, attempts: 1, message: "the page is not a JSON object" });
      }
      total = body.meta?.total;
      yield body;
      this.onProgress({ kind: "page", path, page, itemsSoFar: itemsSoFar(), total });
      next = body.links?.pages?.next;
    }
    if (total !== undefined && itemsSoFar() !== total) throw this.inconsistent("GET", path, itemsSoFar(), total, itemsKey);
  }

  /** Reads one page, turning a 404 after page 1 into a clear mid-pagination error. */
  private async readPage<P>(path: string, page: number, itemsSoFar: number, read: () => Promise<P>, total?: number): Promise<P> {
    try {
      return await read();
    } catch (error) {
      if (page > 1 && error instanceof DigitalOceanApiError && error.status === 404) {
        throw this.apiError({
          status: 404, id: "page_disappeared", method: "GET", path, attempts: error.attempts, requestId: error.requestId,
          message: `page ${page} answered 404 after ${itemsSoFar}${total === undefined ? "" : ` of ${total}`} items were read; refusing to return a partial list`,
        });
      }
      throw error;
    }
  }

  private inconsistent(method: string, path: string, got: number, total: number | undefined, what: string, detail?: string): DigitalOceanApiError {
    return this.apiError({
      status: null, id: "inconsistent_pagination", method, path, attempts: 1,
      message: detail ?? `read ${got} ${what} but meta says ${total}; the list changed while paging, retry the whole read`,
    });
  }

  private async send(method: string, url: URL, body: unknown): Promise<RawResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const signal = AbortSignal.timeout(this.timeoutMs);
    const response = await this.fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      redirect: "error", // a redirect would carry the token to wherever it points
    });
    // Reading the body is under the same signal, so a stalled body also times out.
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  private resolve(pathOrUrl: string, query: Query, method = "GET"): URL {
    const url = new URL(pathOrUrl, this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw this.apiError({
        status: null, id: "foreign_link", method, path: url.pathname, attempts: 0,
        message: `refusing to send the token to ${url.origin} (client base is ${this.baseUrl.origin})`,
      });
    }
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private httpError(response: RawResponse, method: string, path: string, attempts: number): DigitalOceanApiError {
    let body: Partial<ErrorBody> = {};
    try {
      const parsed: unknown = JSON.parse(response.text);
      if (parsed && typeof parsed === "object") body = parsed as Partial<ErrorBody>;
    } catch {
      // Proxies in front of the API answer HTML; the status still says what happened.
    }
    return this.apiError({
      status: response.status,
      id: typeof body.id === "string" ? body.id : `http_${response.status}`,
      message: typeof body.message === "string" ? body.message : `HTTP ${response.status} without an error body`,
      requestId: typeof body.request_id === "string" ? body.request_id : response.headers.get("x-request-id") ?? undefined,
      method, path, attempts,
    });
  }

  private transportError(error: unknown, method: string, path: string, attempts: number): DigitalOceanApiError {
    // Duck-typed: fetch's DOMException is not `instanceof Error` in every realm (jest's vm, for one).
    const described = errorParts(error);
    if (described.name === "TimeoutError" || described.name === "AbortError") {
      return this.apiError({ status: null, id: "timeout", method, path, attempts, message: `no complete answer within ${this.timeoutMs} ms` });
    }
    const cause = errorParts(described.cause).message;
    const message = `${described.message}${cause ? `: ${cause}` : ""}`;
    return this.apiError({ status: null, id: "network_error", method, path, attempts, message });
  }

  private rememberRateLimit(headers: Headers): void {
    const remaining = Number(headers.get("ratelimit-remaining"));
    const reset = Number(headers.get("ratelimit-reset"));
    if (headers.has("ratelimit-remaining") && Number.isFinite(remaining) && Number.isFinite(reset)) {
      this.rateLimit = { remaining, resetMs: reset * 1000 };
    }
  }

  /** Spreads the remaining quota over the time until the oldest request expires. */
  private async throttle(): Promise<void> {
    const limit = this.rateLimit;
    if (!limit || limit.remaining > this.lowRateLimitRemaining) return;
    const untilReset = Math.max(0, limit.resetMs - this.retry.now());
    const delayMs = Math.min(this.retry.policy.maxDelayMs, Math.ceil(untilReset / (limit.remaining + 1)));
    if (delayMs <= 0) return;
    this.logger?.debug?.("DigitalOcean rate limit is low; slowing down", { remaining: limit.remaining, delayMs });
    this.onProgress({ kind: "throttle", delayMs, remaining: limit.remaining });
    await this.pause(delayMs);
  }

  /** Sleeps `ms` between attempts, unless the wait would end past the run's deadline margin (then it throws at once). */
  private async pause(ms: number): Promise<void> {
    this.meter?.checkWait(ms);
    await this.retry.sleep(ms);
  }

  private itemsOf<T>(page: object, key: string, path: string): T[] {
    const items = (page as Record<string, unknown>)[key];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) {
      throw this.apiError({ status: 200, id: "unexpected_shape", method: "GET", path, attempts: 1, message: `"${key}" is not an array` });
    }
    return items as T[];
  }

  private required<T>(value: T | undefined, key: string, method: string, path: string): T {
    if (value === undefined) {
      throw this.apiError({ status: 200, id: "unexpected_shape", method, path, attempts: 1, message: `the answer lacks "${key}"` });
    }
    return value;
  }

  /**
   * The only way this client makes an error: every text the server or a caller could have
   * filled (message, id, request id, path) is scrubbed of the token first.
   */
  private apiError(fields: ApiErrorFields): DigitalOceanApiError {
    return new DigitalOceanApiError({
      ...fields,
      id: this.redact(fields.id),
      message: this.redact(fields.message),
      path: this.redact(fields.path),
      method: this.redact(fields.method),
      ...(fields.requestId === undefined ? {} : { requestId: this.redact(fields.requestId) }),
    });
  }

  /** Removes the token, also percent-encoded (as it would sit in an echoed URL), from a text. */
  private redact(text: string): string {
    let scrubbed = text;
    for (const form of new Set([this.#token, encodeURIComponent(this.#token)])) scrubbed = scrubbed.split(form).join(REDACTED);
    return scrubbed;
  }
}

function errorParts(error: unknown): { name: string; message: string; cause: unknown } {
  if (typeof error !== "object" || error === null) return { name: "", message: error === undefined ? "" : String(error), cause: undefined };
  const fields = error as { name?: unknown; message?: unknown; cause?: unknown };
  return { name: String(fields.name ?? ""), message: String(fields.message ?? ""), cause: fields.cause };
}

function invoiceItemsPath(invoiceUuid: string): string {
  if (!invoiceUuid.trim()) throw new Error('invoice items: invoiceUuid must be an invoice uuid or "preview"');
  return `/v2/customers/my/invoices/${encodeURIComponent(invoiceUuid)}`;
}

function namespacePath(namespaceId: string): string {
  return `/v2/functions/namespaces/${encodeURIComponent(namespaceId)}`;
}

function parseIsoDate(field: string, value: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (!Number.isFinite(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw new Error(`${field} must be a YYYY-MM-DD date (got ${JSON.stringify(value)})`);
  }
  return time;
}

function positive(field: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`DigitalOceanClient: ${field} must be a positive number (got ${value})`);
  return value;
}

function nonNegativeInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`DigitalOceanClient: ${field} must be a non-negative integer (got ${value})`);
  return value;
}

/** The `start`/`end` query of every monitoring endpoint: UNIX seconds (`metric_timestamp_start`/`_end`). */
function metricWindow(start: Date, end: Date): { start: string; end: string } {
  if (end.getTime() < start.getTime()) throw new Error(`metrics window: end ${end.toISOString()} is before start ${start.toISOString()}`);
  return { start: String(Math.floor(start.getTime() / 1000)), end: String(Math.floor(end.getTime() / 1000)) };
}
