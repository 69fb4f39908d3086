/**
 * A local stand-in for https://api.digitalocean.com: an HTTP server on 127.0.0.1 whose every
 * request and response is checked against DigitalOcean's OpenAPI spec (tests assert
 * `fake.validationErrors` is empty), with DigitalOcean's paging, rate-limit headers, bearer
 * auth, a mutable in-memory account, and injectable faults (429, 5xx, timeouts, broken JSON,
 * pages that vanish mid-pagination).
 *
 * It can also be an organisation: several teams, each an account of its own answering its own
 * token (or none: a team seen only through the organisation's insights), and an organisation
 * token that answers `GET /v2/organizations/teams` and the billing insights of the
 * organisation's `do:teamgroup:` URN, each data point carrying its team's `usage_team_urn`. The
 * request log names the token of every request by a label (never the token), so tests can
 * assert whose token read what.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { findOperation, validateRequest, validateResponse } from "./openapi";
import { SEED_NOW, seedRestaurantPlatformAccount, type FakeAccountState } from "./fake-do-api/seed";
import type { AppMetricName, BillingDataPoint, DropletAction, ErrorBody, FunctionsNamespace, FunctionsTrigger, MetricsResponse, OrganizationTeam } from "../../functions/src/digitalocean/types";

export * from "./fake-do-api/seed";

/** Which failure to serve instead of the normal answer. */
export type FaultKind = "429" | "500" | "503" | "404" | "timeout" | "truncated-json" | "malformed-json" | "disappearing-page" | "empty-object";

/** A fault and the requests it applies to; the first matching fault is used and counts down. */
export interface FaultSpec {
  kind: FaultKind;
  /** Exact pathname, or a pattern tested against it; any path when absent. */
  path?: string | RegExp;
  /** Any method when absent. */
  method?: string;
  /** How many matching requests get the fault (default 1; `Infinity` for all). */
  times?: number;
  /** 429 only: `retry-after` seconds (default 1); `null` sends no `retry-after`. */
  retryAfterSeconds?: number | null;
  /** timeout only: answer normally after this many ms; never answer when absent. */
  delayMs?: number;
  /** disappearing-page only: the page that 404s (default: any page after the first). */
  page?: number;
}

/** One request as the fake saw it, safe to print: the bearer token is redacted. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  /**
   * Whose token made the request, by its non-secret label: a team account's `label`, the
   * organisation's label, {@link UNKNOWN_TOKEN} for a token the fake does not know, or
   * {@link NO_TOKEN} without one.
   */
  token: string;
}

/** The request log's label of a bearer token the fake does not know. */
export const UNKNOWN_TOKEN = "(unknown token)";
/** The request log's label of a request without a bearer token. */
export const NO_TOKEN = "(no token)";

/** One team of a fake organisation: its account, answering its own token. */
export interface FakeTeamAccount {
  /** The label the request log records for this account's token, e.g. the team's name. */
  label: string;
  /** The token this account answers; none for a team read only through the organisation's insights. */
  token?: string;
  state: FakeAccountState;
  /** The team's name in `GET /v2/organizations/teams` (default: the label). */
  name?: string;
  /**
   * A second token of the same account, as its write-scoped clean-up token would be: the request
   * log labels it {@link writeTokenLabel}, so tests tell the team's reads from its writes.
   */
  writeToken?: string;
}

/** The request log's label of a team account's write token: `shop:write`. */
export function writeTokenLabel(label: string): string {
  return `${label}:write`;
}

/** The organisation the fake's team accounts belong to. */
export interface FakeOrganization {
  /** `do:teamgroup:<uuid>`: the only organisation URN its insights answer for. */
  urn: string;
  token: string;
  /** The request log's label of the organisation token (default "organization"). */
  label?: string;
  /**
   * Data points of teams that have no account here (a team the tracker's config does not
   * know): served among the organisation's insights as they are.
   */
  extraInsights?: BillingDataPoint[];
  /** Teams listed by `/v2/organizations/teams` beyond the accounts. */
  extraTeams?: OrganizationTeam[];
}

/** Options for {@link startFakeDigitalOcean}. */
export interface FakeDigitalOceanOptions {
  /** Initial account; defaults to {@link seedRestaurantPlatformAccount}. Ignored with `teams`. */
  state?: FakeAccountState;
  /** Accepted bearer token (default `"test-token"`). Ignored with `teams`. */
  token?: string;
  /** The fake's "today", for defaults such as bandwidth's "yesterday". */
  now?: () => Date;
  /** An organisation's team accounts, each answering its own token (the first is `state`/`token`). */
  teams?: FakeTeamAccount[];
  /** The organisation the teams belong to: its token reads its teams and its insights. */
  organization?: FakeOrganization;
}

/** A running fake; close it in `afterAll`. */
export interface FakeDigitalOcean {
  /** Base URL to give the client, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly state: FakeAccountState;
  /** The accepted token (the first team's, with `teams`). */
  readonly token: string;
  /** Every team account (one, labelled "default", unless `teams` was given). */
  readonly teams: readonly FakeTeamAccount[];
  /** Spec mismatches of requests and responses seen so far. */
  readonly validationErrors: string[];
  readonly requests: RecordedRequest[];
  injectFault(fault: FaultSpec): void;
  /**
   * Answers requests whose path matches `path` only after `ms` milliseconds (0 removes it), as a
   * slow endpoint would: DigitalOcean's metrics under load, for deadline tests. Survives reset().
   */
  setLatency(path: RegExp, ms: number): void;
  /** Drops pending faults, recorded requests and validation errors. */
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  url: URL;
  method: string;
  pathParams: Record<string, string>;
  body: unknown;
}

type Handler = (context: Context) => Answer;

const NOT_FOUND: ErrorBody = { id: "not_found", message: "The resource you were accessing could not be found." };

/** Starts the fake on 127.0.0.1 with an OS-assigned port. */
export async function startFakeDigitalOcean(options: FakeDigitalOceanOptions = {}): Promise<FakeDigitalOcean> {
  const teams: FakeTeamAccount[] = options.teams ?? [{ label: "default", token: options.token ?? "test-token", state: options.state ?? seedRestaurantPlatformAccount() }];
  if (teams.length === 0) throw new Error("startFakeDigitalOcean: teams must list at least one account");
  const state = teams[0]!.state;
  const token = teams[0]!.token ?? "";
  const organization = options.organization;
  const now = options.now ?? (() => SEED_NOW);
  const validationErrors: string[] = [];
  const requests: RecordedRequest[] = [];
  let faults: (FaultSpec & { remaining: number })[] = [];
  const latencies = new Map<string, { path: RegExp; ms: number }>();
  let baseUrl = "";

  // Each token reaches its own account's routes; the organisation token only the organisation's.
  const credentials = new Map<string, { label: string; state: FakeAccountState; routes: Record<string, Handler> }>();
  for (const team of teams) {
    if (team.token === undefined) continue;
    const routes = buildRoutes(team.state, () => baseUrl, now);
    for (const [token, label] of [[team.token, team.label], [team.writeToken, writeTokenLabel(team.label)]] as const) {
      if (token === undefined) continue;
      if (credentials.has(token)) throw new Error(`startFakeDigitalOcean: ${credentials.get(token)!.label} and ${label} share a token`);
      credentials.set(token, { label, state: team.state, routes });
    }
  }
  const organizationState = { rateLimit: { limit: 5000, remaining: 5000, resetEpochSeconds: Math.floor(now().getTime() / 1000) + 3600 } };
  if (organization) {
    credentials.set(organization.token, { label: organization.label ?? "organization", state: organizationState as FakeAccountState, routes: organizationRoutes(organization, teams) });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString("utf8"));
      } catch (error) {
        validationErrors.push(`fake failed on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
        send(res, req.method ?? "GET", "", { status: 500, body: { id: "server_error", message: "the fake failed" } }, false);
      }
    });
  });

  function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): void {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", baseUrl);
    const headers = redactHeaders(req.headers);
    let body: unknown;
    if (rawBody !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch {
        validationErrors.push(`${method} ${url.pathname}: request body is not JSON`);
        return send(res, method, url.pathname, { status: 500, body: { id: "fake_request_invalid", message: "request body is not JSON" } }, false);
      }
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const credential = bearer === undefined ? undefined : credentials.get(bearer);
    const tokenLabel = credential?.label ?? (bearer === undefined ? NO_TOKEN : UNKNOWN_TOKEN);
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(body === undefined ? {} : { body }), token: tokenLabel });

    const problems = validateRequest(method, url.pathname, url.searchParams, body);
    if (problems.length > 0) {
      validationErrors.push(...problems);
      return send(res, method, url.pathname, { status: 500, body: { id: "fake_request_invalid", message: problems.join("; ") } }, false);
    }
    if (credential === undefined) {
      return send(res, method, url.pathname, { status: 401, body: { id: "unauthorized", message: "Unable to authenticate you" } });
    }
    const account = credential.state;

    const matched = findOperation(method, url.pathname);
    const template = matched ? `${matched.method.toUpperCase()} ${matched.template}` : undefined;
    const route = template ? credential.routes[template] : undefined;
    // A real operation this token has no business with: a team token asking for the organisation, or the reverse.
    if (matched && route === undefined && ORGANIZATION_ONLY.has(template!) !== (credential.state === organizationState)) {
      return send(res, method, url.pathname, { status: 403, body: { id: "forbidden", message: "You are not authorized to perform this operation" } }, true, account);
    }
    const context: Context = { url, method, pathParams: matched?.pathParams ?? {}, body };
    const fault = takeFault(method, url);
    if (fault) return serveFault(fault, res, method, url, () => (route ? route(context) : notImplemented(method, url)), account);
    const answer = route ? route(context) : notImplemented(method, url);
    const latency = [...latencies.values()].find((entry) => entry.path.test(url.pathname));
    if (latency) setTimeout(() => !res.destroyed && send(res, method, url.pathname, answer, true, account), latency.ms).unref();
    else send(res, method, url.pathname, answer, true, account);
  }

  function notImplemented(method: string, url: URL): Answer {
    validationErrors.push(`${method} ${url.pathname}: the fake does not implement this spec operation`);
    return { status: 500, body: { id: "server_error", message: "not implemented by the fake" } };
  }

  function takeFault(method: string, url: URL): FaultSpec | undefined {
    const fault = faults.find((candidate) => {
      if (candidate.remaining <= 0) return false;
      if (candidate.method && candidate.method.toUpperCase() !== method) return false;
      if (typeof candidate.path === "string" && candidate.path !== url.pathname) return false;
      if (candidate.path instanceof RegExp && !candidate.path.test(url.pathname)) return false;
      if (candidate.kind === "disappearing-page") {
        const page = Number(url.searchParams.get("page") ?? "1");
        return candidate.page === undefined ? page > 1 : page === candidate.page;
      }
      return true;
    });
    if (fault) fault.remaining -= 1;
    return fault;
  }

  function serveFault(fault: FaultSpec, res: http.ServerResponse, method: string, url: URL, answer: () => Answer, account: Pick<FakeAccountState, "rateLimit">): void {
    const send = (res: http.ServerResponse, method: string, path: string, answer: Answer) => sendAnswer(res, method, path, answer, true, account);
    const rateLimitHeaders = () => rateLimitHeadersOf(account);
    switch (fault.kind) {
      case "429": {
        const retryAfter = fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds;
        const extra: Record<string, string> = retryAfter === null ? {} : { "retry-after": String(retryAfter) };
        return send(res, method, url.pathname, { status: 429, headers: extra, body: { id: "too_many_requests", message: "API rate limit exceeded." } });
      }
      case "500":
        return send(res, method, url.pathname, { status: 500, body: { id: "server_error", message: "Unexpected server-side error", request_id: "fake-500" } });
      case "503":
        return send(res, method, url.pathname, { status: 503, body: { id: "service_unavailable", message: "The service is temporarily unavailable." } });
      case "disappearing-page":
      case "404":
        return send(res, method, url.pathname, { status: 404, body: NOT_FOUND });
      case "empty-object": {
        // The operation happens, but the answer is `{}`: valid wherever the spec requires no key.
        const real = answer();
        return send(res, method, url.pathname, { status: real.status, body: {} });
      }
      case "timeout":
        // Never answering is the point; close() destroys the socket.
        if (fault.delayMs !== undefined) setTimeout(() => !res.destroyed && send(res, method, url.pathname, answer()), fault.delayMs);
        return;
      case "truncated-json": {
        const text = JSON.stringify(answer().body ?? {});
        res.writeHead(200, { ...rateLimitHeaders(), "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)) });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
        return;
      }
      case "malformed-json": {
        const text = JSON.stringify(answer().body ?? {}).replace(":", "=");
        res.writeHead(200, { ...rateLimitHeaders(), "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)) });
        res.end(text);
        return;
      }
    }
  }

  /** The rate-limit headers of the token's own account: each token has its own hourly quota. */
  function rateLimitHeadersOf(account: Pick<FakeAccountState, "rateLimit">): Record<string, string> {
    account.rateLimit.remaining = Math.max(0, account.rateLimit.remaining - 1);
    return {
      "ratelimit-limit": String(account.rateLimit.limit),
      "ratelimit-remaining": String(account.rateLimit.remaining),
      "ratelimit-reset": String(account.rateLimit.resetEpochSeconds),
    };
  }

  function send(res: http.ServerResponse, method: string, path: string, answer: Answer, validate = true, account: Pick<FakeAccountState, "rateLimit"> = state): void {
    sendAnswer(res, method, path, answer, validate, account);
  }

  function sendAnswer(res: http.ServerResponse, method: string, path: string, answer: Answer, validate: boolean, account: Pick<FakeAccountState, "rateLimit">): void {
    if (validate && path) validationErrors.push(...validateResponse(method, path, answer.status, answer.body));
    const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
    const headers: Record<string, string> = { ...rateLimitHeadersOf(account), ...answer.headers, "x-request-id": `fake-${requests.length}` };
    if (text !== "") headers["content-type"] = "application/json; charset=utf-8";
    res.writeHead(answer.status, headers);
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    state,
    token,
    teams,
    validationErrors,
    requests,
    injectFault(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    setLatency(path, ms) {
      if (ms > 0) latencies.set(String(path), { path, ms });
      else latencies.delete(String(path));
    },
    reset() {
      faults = [];
      requests.length = 0;
      validationErrors.length = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = name === "authorization" ? String(value).replace(/^(\S+)\s.*$/, "$1 [REDACTED]") : [value].flat().join(", ");
  }
  return out;
}

/** DigitalOcean's paging: `page` from 1, `per_page` default 20, absolute links, `meta.total`. */
function paginate<T>(items: readonly T[], key: string, url: URL, baseUrl: string, extra: Record<string, unknown> = {}): Answer {
  const perPage = Number(url.searchParams.get("per_page") ?? "20");
  const page = Number(url.searchParams.get("page") ?? "1");
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = (target: number) => {
    const next = new URL(url.pathname, baseUrl);
    next.searchParams.set("page", String(target));
    next.searchParams.set("per_page", String(perPage));
    url.searchParams.forEach((value, name) => name !== "page" && name !== "per_page" && next.searchParams.set(name, value));
    return next.toString();
  };
  const pages: Record<string, string> = {};
  if (page > 1) Object.assign(pages, { first: link(1), prev: link(Math.min(page - 1, lastPage)) });
  if (page < lastPage) Object.assign(pages, { next: link(page + 1), last: link(lastPage) });
  return {
    status: 200,
    body: { [key]: items.slice((page - 1) * perPage, page * perPage), ...extra, links: Object.keys(pages).length ? { pages } : {}, meta: { total: items.length } },
  };
}

/** Operations only an organisation's token is answered for. */
const ORGANIZATION_ONLY = new Set(["GET /v2/organizations/teams"]);

/** The uuid of a `do:team:<uuid>` or `do:teamgroup:<uuid>` URN. */
function urnUuid(urn: string): string {
  return urn.slice(urn.lastIndexOf(":") + 1);
}

/**
 * What the organisation token answers: its teams, and the insights of its `do:teamgroup:` URN
 * (every team account's data points, each with its `usage_team_urn`, plus `extraInsights`).
 */
function organizationRoutes(organization: FakeOrganization, teams: readonly FakeTeamAccount[]): Record<string, Handler> {
  const insights = insightsPager();
  return {
    "GET /v2/organizations/teams": () => ({
      status: 200,
      body: {
        teams: [
          ...teams.map((team, index): OrganizationTeam => ({ id: 4_126_800 + index, uuid: urnUuid(team.state.accountUrn), name: team.name ?? team.label, member_count: 2, status: "joined", joined_organization_at: "2025-06-12T15:04:05Z" })),
          ...(organization.extraTeams ?? []),
        ],
      },
    }),
    "GET /v2/billing/{account_urn}/insights/{start_date}/{end_date}": ({ url, pathParams }) => {
      // Only the organisation's own URN: a team's URN is that team's token's business.
      if (pathParams.account_urn !== organization.urn) return { status: 404, body: NOT_FOUND };
      return insights([...teams.map((team) => ({ points: team.state.billingInsights, urn: team.state.accountUrn })), { points: organization.extraInsights ?? NO_POINTS }], pathParams, url);
    },
  };
}

const NO_POINTS: readonly BillingDataPoint[] = [];

/** Data points an insights answer serves: an account's, each under `urn` when given (else as they are). */
interface InsightsSource {
  points: readonly BillingDataPoint[];
  urn?: string;
}

/**
 * Pages of insights between the path's dates over the sources' points in order, paged by `page`
 * and `per_page` as DigitalOcean pages them (counts, no links). The points in range are found
 * anew on every first page and whenever a source's array changed (another array, or another
 * length), and reused by the next pages of the same read: an organisation of 1.4 million points
 * costs one pass per read, not one per page. Only the page's points are copied.
 */
function insightsPager(): (sources: readonly InsightsSource[], pathParams: Record<string, string>, url: URL) => Answer {
  let cached: { from: string; to: string; sources: readonly InsightsSource[]; lengths: number[]; inRange: BillingDataPoint[][] } | undefined;
  return (sources, pathParams, url) => {
    const from = pathParams.start_date ?? "";
    const to = pathParams.end_date ?? "";
    const perPage = Number(url.searchParams.get("per_page") ?? "20");
    const page = Number(url.searchParams.get("page") ?? "1");
    const reusable =
      page > 1 &&
      cached !== undefined &&
      cached.from === from &&
      cached.to === to &&
      cached.sources.length === sources.length &&
      sources.every((source, index) => source.points === cached!.sources[index]!.points && source.points.length === cached!.lengths[index]);
    if (!reusable) {
      const inRange = sources.map((source) => source.points.filter((point) => (point.start_date ?? "") >= from && (point.start_date ?? "") <= to));
      cached = { from, to, sources, lengths: sources.map((source) => source.points.length), inRange };
    }
    const { inRange } = cached!;
    const total = inRange.reduce((sum, points) => sum + points.length, 0);
    const dataPoints: BillingDataPoint[] = [];
    let skip = (page - 1) * perPage;
    for (const [index, points] of inRange.entries()) {
      if (skip >= points.length) {
        skip -= points.length;
        continue;
      }
      const urn = sources[index]!.urn;
      for (const point of points.slice(skip, skip + perPage - dataPoints.length)) dataPoints.push(urn === undefined || point.usage_team_urn === urn ? point : { ...point, usage_team_urn: urn });
      skip = 0;
      if (dataPoints.length === perPage) break;
    }
    return {
      status: 200,
      body: { data_points: dataPoints, total_items: total, total_pages: Math.max(1, Math.ceil(total / perPage)), current_page: page },
    };
  };
}

function buildRoutes(state: FakeAccountState, baseUrl: () => string, now: () => Date): Record<string, Handler> {
  const list = <T>(items: () => readonly T[], key: string): Handler => ({ url }) => paginate(items(), key, url, baseUrl());
  const ok = (body: unknown): Answer => ({ status: 200, body });
  const namespaceById = (id: string | undefined) => state.namespaces.find((namespace) => namespace.namespace === id);
  const appMetric = (metric: AppMetricName): Handler => ({ url }) => {
    const appId = url.searchParams.get("app_id") ?? "";
    const component = url.searchParams.get("app_component");
    const start = Number(url.searchParams.get("start"));
    const end = Number(url.searchParams.get("end"));
    const series = (state.appMetrics[appId]?.[metric] ?? [])
      .filter((entry) => !component || entry.metric.app_component === component)
      .map((entry) => ({ metric: entry.metric, values: entry.values.filter(([time]) => Number(time) >= start && Number(time) <= end) }));
    return ok({ status: "success", data: { resultType: "matrix", result: series } });
  };

  const insights = insightsPager();
  const actions: DropletAction[] = [];
  /** Deletes the first matching item: 204, or 404 when there is none (already gone). */
  const removeFrom = <T>(items: T[], matches: (item: T) => boolean): Answer => {
    const index = items.findIndex(matches);
    if (index === -1) return { status: 404, body: NOT_FOUND };
    items.splice(index, 1);
    return { status: 204 };
  };

  /**
   * A droplet, load balancer or MySQL metric: the seeded series of the resource named by the
   * id parameter, samples within [start, end]; bandwidth only for the interface and direction
   * asked for when the series carry those labels. Unknown resources answer an empty matrix.
   */
  const resourceMetric = (family: "droplet" | "loadBalancer" | "database", idParam: string, metric: string): Handler => ({ url }) => {
    const id = url.searchParams.get(idParam) ?? "";
    const start = Number(url.searchParams.get("start"));
    const end = Number(url.searchParams.get("end"));
    const byMetric = (state.resourceMetrics?.[family]?.[id] ?? {}) as Record<string, MetricsResponse["data"]["result"] | undefined>;
    const wanted = (labels: Record<string, string>) =>
      ["interface", "direction"].every((label) => labels[label] === undefined || url.searchParams.get(label) === null || labels[label] === url.searchParams.get(label));
    const series = (byMetric[metric] ?? [])
      .filter((entry) => wanted(entry.metric))
      .map((entry) => ({ metric: entry.metric, values: entry.values.filter(([time]) => Number(time) >= start && Number(time) <= end) }));
    return ok({ status: "success", data: { resultType: "matrix", result: series } });
  };

  return {
    "GET /v2/customers/my/balance": () => ok(state.balance),
    "GET /v2/customers/my/invoices": ({ url }) => paginate(state.invoices, "invoices", url, baseUrl(), { invoice_preview: state.invoicePreview }),
    "GET /v2/customers/my/invoices/{invoice_uuid}": ({ url, pathParams }) => {
      const items = state.invoiceItems[pathParams.invoice_uuid ?? ""];
      return items ? paginate(items, "invoice_items", url, baseUrl()) : { status: 404, body: NOT_FOUND };
    },
    "GET /v2/customers/my/billing_history": list(() => state.billingHistory, "billing_history"),
    "GET /v2/billing/{account_urn}/insights/{start_date}/{end_date}": ({ url, pathParams }) => {
      // An organisation's insights need the organisation's token.
      if (pathParams.account_urn?.startsWith("do:teamgroup:")) return { status: 403, body: { id: "forbidden", message: "You are not authorized to perform this operation" } };
      if (pathParams.account_urn !== state.accountUrn) return { status: 404, body: NOT_FOUND };
      return insights([{ points: state.billingInsights }], pathParams, url);
    },
    "GET /v2/droplets": ({ url }) => {
      const tag = url.searchParams.get("tag_name");
      return paginate(tag ? state.droplets.filter((droplet) => droplet.tags.includes(tag)) : state.droplets, "droplets", url, baseUrl());
    },
    "GET /v2/databases": ({ url }) => {
      const tag = url.searchParams.get("tag_name");
      return ok({ databases: tag ? state.databases.filter((database) => database.tags?.includes(tag)) : state.databases });
    },
    "GET /v2/volumes": list(() => state.volumes, "volumes"),
    "GET /v2/snapshots": ({ url }) => {
      const type = url.searchParams.get("resource_type");
      return paginate(type ? state.snapshots.filter((snapshot) => snapshot.resource_type === type) : state.snapshots, "snapshots", url, baseUrl());
    },
    "GET /v2/kubernetes/clusters": list(() => state.kubernetesClusters, "kubernetes_clusters"),
    "GET /v2/load_balancers": list(() => state.loadBalancers, "load_balancers"),
    "GET /v2/apps": list(() => state.apps, "apps"),
    "GET /v2/reserved_ips": list(() => state.reservedIps, "reserved_ips"),
    "GET /v2/projects": list(() => state.projects, "projects"),
    "GET /v2/projects/{project_id}/resources": ({ url, pathParams }) => {
      const resources = state.projectResources[pathParams.project_id ?? ""];
      return resources ? paginate(resources, "resources", url, baseUrl()) : { status: 404, body: NOT_FOUND };
    },
    "GET /v2/sizes": list(() => state.sizes, "sizes"),
    "GET /v2/apps/tiers/instance_sizes": () => ok({ instance_sizes: state.appInstanceSizes }),
    "GET /v2/monitoring/metrics/apps/memory_percentage": appMetric("memory_percentage"),
    "GET /v2/monitoring/metrics/apps/cpu_percentage": appMetric("cpu_percentage"),
    "GET /v2/monitoring/metrics/apps/restart_count": appMetric("restart_count"),
    "GET /v2/monitoring/metrics/droplet/cpu": resourceMetric("droplet", "host_id", "cpu"),
    "GET /v2/monitoring/metrics/droplet/memory_total": resourceMetric("droplet", "host_id", "memory_total"),
    "GET /v2/monitoring/metrics/droplet/memory_available": resourceMetric("droplet", "host_id", "memory_available"),
    "GET /v2/monitoring/metrics/droplet/bandwidth": resourceMetric("droplet", "host_id", "bandwidth"),
    "GET /v2/monitoring/metrics/load_balancer/frontend_connections_current": resourceMetric("loadBalancer", "lb_id", "frontend_connections_current"),
    "GET /v2/monitoring/metrics/database/mysql/cpu_usage": resourceMetric("database", "db_id", "cpu_usage"),
    "GET /v2/monitoring/metrics/database/mysql/memory_usage": resourceMetric("database", "db_id", "memory_usage"),
    // Clean-up writes. Actions complete at once; a snapshot appears in the account's snapshots.
    "GET /v2/droplets/{droplet_id}": ({ pathParams }) => {
      const found = state.droplets.find((d) => String(d.id) === pathParams.droplet_id);
      return found ? ok({ droplet: found }) : { status: 404, body: NOT_FOUND };
    },
    "DELETE /v2/droplets/{droplet_id}": ({ pathParams }) => removeFrom(state.droplets, (d) => String(d.id) === pathParams.droplet_id),
    "POST /v2/droplets/{droplet_id}/actions": ({ pathParams, body }) => {
      const found = state.droplets.find((d) => String(d.id) === pathParams.droplet_id);
      if (!found) return { status: 404, body: NOT_FOUND };
      const request = body as { type: string; name?: string };
      if (request.type === "power_off") found.status = "off";
      if (request.type === "snapshot") {
        state.snapshots.push({ id: String(9_000_000 + state.snapshots.length), name: request.name ?? `${found.name}-snapshot`, created_at: now().toISOString().replace(/\.\d{3}Z$/, "Z"), regions: [found.region.slug], min_disk_size: found.disk, size_gigabytes: found.disk / 4, resource_id: String(found.id), resource_type: "droplet", tags: null });
      }
      const action = { id: 800_000_000 + actions.length, status: "completed" as const, type: request.type, started_at: now().toISOString(), completed_at: now().toISOString(), resource_id: found.id, resource_type: "droplet", region_slug: found.region.slug };
      actions.push(action);
      return { status: 201, body: { action } };
    },
    "GET /v2/actions/{action_id}": ({ pathParams }) => {
      const action = actions.find((a) => String(a.id) === pathParams.action_id);
      return action ? ok({ action }) : { status: 404, body: NOT_FOUND };
    },
    "GET /v2/volumes/{volume_id}": ({ pathParams }) => {
      const found = state.volumes.find((v) => v.id === pathParams.volume_id);
      return found ? ok({ volume: found }) : { status: 404, body: NOT_FOUND };
    },
    // DigitalOcean refuses to delete an attached volume: 409 "attached volume cannot be deleted"
    // (digitalocean/doctl#358, terraform-provider-digitalocean#27); the spec's `default` error answer.
    "DELETE /v2/volumes/{volume_id}": ({ pathParams }) => {
      const found = state.volumes.find((v) => v.id === pathParams.volume_id);
      if (found && (found.droplet_ids ?? []).length > 0) return { status: 409, body: { id: "conflict", message: "A volume that's attached to a Droplet cannot be deleted. Please detach it first." } };
      return removeFrom(state.volumes, (v) => v.id === pathParams.volume_id);
    },
    "POST /v2/volumes/{volume_id}/snapshots": ({ pathParams, body }) => {
      const found = state.volumes.find((v) => v.id === pathParams.volume_id);
      if (!found) return { status: 404, body: NOT_FOUND };
      const snapshot = { id: `${pseudoHex(8)}-${pseudoHex(4)}-4${pseudoHex(3)}-a${pseudoHex(3)}-${pseudoHex(12)}`, name: (body as { name: string }).name, created_at: now().toISOString().replace(/\.\d{3}Z$/, "Z"), regions: [found.region?.slug ?? "nyc3"], min_disk_size: found.size_gigabytes ?? 0, size_gigabytes: (found.size_gigabytes ?? 0) / 4, resource_id: found.id ?? "", resource_type: "volume" as const, tags: null };
      state.snapshots.push(snapshot);
      return { status: 201, body: { snapshot } };
    },
    "GET /v2/snapshots/{snapshot_id}": ({ pathParams }) => {
      const found = state.snapshots.find((snapshot) => snapshot.id === pathParams.snapshot_id);
      return found ? ok({ snapshot: found }) : { status: 404, body: NOT_FOUND };
    },
    "DELETE /v2/snapshots/{snapshot_id}": ({ pathParams }) => removeFrom(state.snapshots, (snapshot) => snapshot.id === pathParams.snapshot_id),
    "GET /v2/apps/{app_id}/metrics/bandwidth_daily": ({ url, pathParams }) => {
      const appId = pathParams.app_id ?? "";
      if (!state.apps.some((app) => app.id === appId)) return { status: 404, body: NOT_FOUND };
      const requested = url.searchParams.get("date");
      // DigitalOcean's default is yesterday; only the date part of `date` counts.
      const day = requested ? requested.slice(0, 10) : new Date(now().getTime() - 86_400_000).toISOString().slice(0, 10);
      const bytes = state.appBandwidthDaily[appId]?.[day] ?? "0";
      return ok({ app_bandwidth_usage: [{ app_id: appId, bandwidth_bytes: bytes }], date: `${day}T00:00:00Z` });
    },
    "GET /v2/functions/namespaces": () => ok({ namespaces: state.namespaces }),
    "POST /v2/functions/namespaces": ({ body }) => {
      const { region, label } = body as { region: string; label: string };
      const uuid = `${pseudoHex(8)}-${pseudoHex(4)}-4${pseudoHex(3)}-a${pseudoHex(3)}-${pseudoHex(12)}`;
      const stamp = now().toISOString().replace(".000", "");
      const namespace: FunctionsNamespace = {
        api_host: `https://faas-${region}-${pseudoHex(8)}.doserverless.co`,
        namespace: `fn-${uuid}`,
        created_at: stamp,
        updated_at: stamp,
        label,
        region,
        uuid,
        key: `dof_v1_${pseudoHex(32)}`,
      };
      state.namespaces.push(namespace);
      state.triggers[namespace.namespace ?? ""] = [];
      return ok({ namespace });
    },
    "GET /v2/functions/namespaces/{namespace_id}": ({ pathParams }) => {
      const namespace = namespaceById(pathParams.namespace_id);
      return namespace ? ok({ namespace }) : { status: 404, body: NOT_FOUND };
    },
    "DELETE /v2/functions/namespaces/{namespace_id}": ({ pathParams }) => {
      const namespace = namespaceById(pathParams.namespace_id);
      if (!namespace) return { status: 404, body: NOT_FOUND };
      state.namespaces.splice(state.namespaces.indexOf(namespace), 1);
      delete state.triggers[pathParams.namespace_id ?? ""];
      return { status: 204 };
    },
    "GET /v2/functions/namespaces/{namespace_id}/triggers": ({ pathParams }) => {
      const triggers = state.triggers[pathParams.namespace_id ?? ""];
      return triggers ? ok({ triggers }) : { status: 404, body: NOT_FOUND };
    },
    "POST /v2/functions/namespaces/{namespace_id}/triggers": ({ pathParams, body }) => {
      const triggers = state.triggers[pathParams.namespace_id ?? ""];
      if (!triggers) return { status: 404, body: NOT_FOUND };
      const request = body as FunctionsTrigger;
      const stamp = now().toISOString().replace(".000", "");
      const trigger: FunctionsTrigger = {
        namespace: pathParams.namespace_id,
        name: request.name,
        function: request.function,
        type: request.type,
        is_enabled: request.is_enabled,
        created_at: stamp,
        updated_at: stamp,
        scheduled_details: request.scheduled_details,
        scheduled_runs: { last_run_at: null, next_run_at: null },
      };
      triggers.push(trigger);
      return ok({ trigger });
    },
    "GET /v2/functions/namespaces/{namespace_id}/triggers/{trigger_name}": ({ pathParams }) => {
      const trigger = state.triggers[pathParams.namespace_id ?? ""]?.find((candidate) => candidate.name === pathParams.trigger_name);
      return trigger ? ok({ trigger }) : { status: 404, body: NOT_FOUND };
    },
    "PUT /v2/functions/namespaces/{namespace_id}/triggers/{trigger_name}": ({ pathParams, body }) => {
      const trigger = state.triggers[pathParams.namespace_id ?? ""]?.find((candidate) => candidate.name === pathParams.trigger_name);
      if (!trigger) return { status: 404, body: NOT_FOUND };
      const update = body as Pick<FunctionsTrigger, "is_enabled" | "scheduled_details">;
      if (update.is_enabled !== undefined) trigger.is_enabled = update.is_enabled;
      if (update.scheduled_details !== undefined) trigger.scheduled_details = update.scheduled_details;
      trigger.updated_at = now().toISOString().replace(".000", "");
      return ok({ trigger });
    },
    "DELETE /v2/functions/namespaces/{namespace_id}/triggers/{trigger_name}": ({ pathParams }) => {
      const triggers = state.triggers[pathParams.namespace_id ?? ""];
      const index = triggers?.findIndex((candidate) => candidate.name === pathParams.trigger_name) ?? -1;
      if (!triggers || index < 0) return { status: 404, body: NOT_FOUND };
      triggers.splice(index, 1);
      return { status: 204 };
    },
  };
}

let hexCounter = 0;
/** Unique-enough hex for generated ids; deterministic per process so failures reproduce. */
function pseudoHex(length: number): string {
  hexCounter += 1;
  let out = "";
  for (let i = 0; out.length < length; i++) out += ((hexCounter * 2654435761 + i * 40503) >>> 0).toString(16).padStart(8, "0");
  return out.slice(0, length);
}
