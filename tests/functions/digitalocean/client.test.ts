import * as util from "node:util";
import {
  DigitalOceanApiError,
  DigitalOceanClient,
  type DigitalOceanClientOptions,
  type DigitalOceanProgressEvent,
} from "../../../functions/src/digitalocean/client";
import {
  FEBRUARY_INVOICE_UUID,
  RESTAURANT_PROD_PROJECT_ID,
  SEED_NOW,
  generateDroplets,
  generateInvoiceItems,
  invoiceResourcesOf,
  seedRestaurantPlatformAccount,
  startFakeDigitalOcean,
  type FakeDigitalOcean,
} from "../../support/fake-do-api";

const TOKEN = "dop_v1_0123456789abcdef_client_test_secret";

let fake: FakeDigitalOcean;

beforeAll(async () => {
  fake = await startFakeDigitalOcean({ token: TOKEN });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  Object.assign(fake.state, seedRestaurantPlatformAccount());
});

/** A client on the fake whose waits are recorded instead of slept, with jitter fixed at one half. */
function makeClient(overrides: Partial<DigitalOceanClientOptions> = {}) {
  const sleeps: number[] = [];
  const events: DigitalOceanProgressEvent[] = [];
  const logLines: string[] = [];
  const client = new DigitalOceanClient({
    token: TOKEN,
    baseUrl: fake.url,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => SEED_NOW.getTime(),
    onProgress: (event) => events.push(event),
    logger: {
      warn: (message, fields) => logLines.push(`${message} ${JSON.stringify(fields)}`),
      debug: (message, fields) => logLines.push(`${message} ${JSON.stringify(fields)}`),
    },
    ...overrides,
  });
  return { client, sleeps, events, logLines };
}

async function failure(promise: Promise<unknown>): Promise<DigitalOceanApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DigitalOceanApiError)) throw new Error(`expected a DigitalOceanApiError, got ${String(error)}`);
  return error;
}

describe("DigitalOceanClient against the spec-validated fake", () => {
  const seed = seedRestaurantPlatformAccount();
  const cases: [string, (client: DigitalOceanClient) => Promise<unknown>, unknown][] = [
    ["getBalance", (c) => c.getBalance(), seed.balance],
    ["listInvoices", (c) => c.listInvoices(), { invoices: seed.invoices, invoice_preview: seed.invoicePreview }],
    ["listInvoiceItems(preview)", (c) => c.listInvoiceItems("preview"), seed.invoiceItems.preview],
    ["listInvoiceItems(uuid)", (c) => c.listInvoiceItems(FEBRUARY_INVOICE_UUID), seed.invoiceItems[FEBRUARY_INVOICE_UUID]],
    ["listBillingHistory", (c) => c.listBillingHistory(), seed.billingHistory],
    ["getBillingInsights", (c) => c.getBillingInsights(seed.accountUrn, "2026-03-01", "2026-03-31"), seed.billingInsights],
    ["listDroplets", (c) => c.listDroplets(), seed.droplets],
    ["listDatabaseClusters", (c) => c.listDatabaseClusters(), seed.databases],
    ["listVolumes", (c) => c.listVolumes(), seed.volumes],
    ["listSnapshots", (c) => c.listSnapshots(), seed.snapshots],
    ["listKubernetesClusters", (c) => c.listKubernetesClusters(), seed.kubernetesClusters],
    ["listLoadBalancers", (c) => c.listLoadBalancers(), seed.loadBalancers],
    ["listApps", (c) => c.listApps(), seed.apps],
    ["listReservedIps", (c) => c.listReservedIps(), seed.reservedIps],
    ["listProjects", (c) => c.listProjects(), seed.projects],
    ["listProjectResources", (c) => c.listProjectResources(RESTAURANT_PROD_PROJECT_ID), seed.projectResources[RESTAURANT_PROD_PROJECT_ID]],
    ["listSizes", (c) => c.listSizes(), seed.sizes],
    ["listAppInstanceSizes", (c) => c.listAppInstanceSizes(), seed.appInstanceSizes],
    ["listNamespaces", (c) => c.listNamespaces(), seed.namespaces],
    ["listTriggers", (c) => c.listTriggers(seed.namespaces[0]?.namespace ?? ""), seed.triggers[seed.namespaces[0]?.namespace ?? ""]],
  ];

  test.each(cases)("%s returns the seeded data", async (_name, call, expected) => {
    const { client } = makeClient();
    await expect(call(client)).resolves.toEqual(expected);
    expect(fake.validationErrors).toEqual([]);
  });

  test("the seed is not trivially empty where the cases above rely on it", () => {
    expect(seed.droplets.filter((droplet) => droplet.tags.includes("service:worker"))).toHaveLength(3);
    // 14 full days of March × 9 billable lines (4 droplets, db, volume, LB, app, Spaces).
    expect(seed.billingInsights).toHaveLength(14 * 9);
    expect(seed.invoiceItems.preview).toHaveLength(9);
  });

  test("getAppMetric sends unix-second bounds and returns only points inside them", async () => {
    const { client } = makeClient();
    const appId = seed.apps[0]?.id ?? "";
    // The seeded series has hourly points ending at SEED_NOW (06:00); 03:00..05:00 keeps three.
    const start = new Date("2026-03-15T03:00:00Z");
    const end = new Date("2026-03-15T05:00:00Z");
    const metric = await client.getAppMetric("memory_percentage", { appId, component: "api", start, end });
    expect(metric.data.result[0]?.values.map(([, value]) => value)).toEqual(["47.1", "52.6", "49.9"]);
    expect(fake.requests[0]?.query).toEqual({ app_id: appId, app_component: "api", start: String(start.getTime() / 1000), end: String(end.getTime() / 1000) });
    expect(fake.validationErrors).toEqual([]);
  });

  test("getAppBandwidthDaily defaults to DigitalOcean's yesterday and takes a date", async () => {
    const { client } = makeClient();
    const appId = seed.apps[0]?.id ?? "";
    await expect(client.getAppBandwidthDaily(appId)).resolves.toEqual({ app_bandwidth_usage: [{ app_id: appId, bandwidth_bytes: "2104509440" }], date: "2026-03-14T00:00:00Z" });
    const day13 = await client.getAppBandwidthDaily(appId, new Date("2026-03-13T00:00:00Z"));
    expect(day13.app_bandwidth_usage?.[0]?.bandwidth_bytes).toBe("1843200000");
    expect(fake.validationErrors).toEqual([]);
  });

  test("Functions namespaces and triggers round-trip through create, update and delete", async () => {
    const { client } = makeClient();
    const namespace = await client.createNamespace({ region: "nyc1", label: "cost-tracker-ci" });
    const id = namespace.namespace ?? "";
    await client.createTrigger(id, { name: "daily-report", function: "tracker/report", type: "SCHEDULED", is_enabled: true, scheduled_details: { cron: "0 7 * * *", body: { name: "daily" } } });
    const updated = await client.updateTrigger(id, "daily-report", { is_enabled: false });
    expect(updated).toMatchObject({ name: "daily-report", is_enabled: false, scheduled_details: { cron: "0 7 * * *" } });
    await client.deleteTrigger(id, "daily-report");
    await expect(client.listTriggers(id)).resolves.toEqual([]);
    await client.deleteNamespace(id);
    await expect(client.getNamespace(id)).rejects.toMatchObject({ status: 404, id: "not_found" });
    expect(fake.validationErrors).toEqual([]);
  });
});

describe("pagination", () => {
  test("450 droplets take 3 requests of per_page=200 following links.pages.next", async () => {
    fake.state.droplets = generateDroplets(450);
    const { client, events } = makeClient();
    const droplets = await client.listDroplets();
    expect(droplets.map((droplet) => droplet.id)).toEqual(fake.state.droplets.map((droplet) => droplet.id));
    expect(fake.requests.map((request) => request.query)).toEqual([
      { per_page: "200" },
      { page: "2", per_page: "200" },
      { page: "3", per_page: "200" },
    ]);
    // 200 + 200 + 50 = 450
    expect(events.filter((event) => event.kind === "page").map((event) => event.kind === "page" && event.itemsSoFar)).toEqual([200, 400, 450]);
    expect(fake.validationErrors).toEqual([]);
  });

  test("invoice items come page by page: each page is handed over before the next is requested", async () => {
    fake.state.invoiceItems.preview = generateInvoiceItems(450, invoiceResourcesOf(fake.state));
    const { client } = makeClient();
    const seen: { items: number; requestsSoFar: number }[] = [];
    for await (const page of client.invoiceItemPages("preview")) seen.push({ items: page.length, requestsSoFar: fake.requests.length });
    expect(seen).toEqual([
      { items: 200, requestsSoFar: 1 },
      { items: 200, requestsSoFar: 2 },
      { items: 50, requestsSoFar: 3 },
    ]);
    expect(fake.validationErrors).toEqual([]);
  });

  test("page by page, a page that disappears or a total that does not add up still throws, from the iteration after the pages read", async () => {
    fake.state.invoiceItems.preview = generateInvoiceItems(450, invoiceResourcesOf(fake.state));
    fake.injectFault({ kind: "disappearing-page", path: "/v2/customers/my/invoices/preview", page: 3 });
    const pages: number[] = [];
    const reading = (async () => {
      for await (const page of makeClient().client.invoiceItemPages("preview")) pages.push(page.length);
    })();
    await expect(reading).rejects.toMatchObject({ id: "page_disappeared" });
    expect(pages).toEqual([200, 200]);

    const lyingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { meta: { total: number } };
      if (String(input).includes("page=3")) body.meta.total += 1;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const all: number[] = [];
    const lying = (async () => {
      for await (const page of makeClient({ fetch: lyingFetch }).client.invoiceItemPages("preview")) all.push(page.length);
    })();
    await expect(lying).rejects.toMatchObject({ id: "inconsistent_pagination" });
    expect(all).toEqual([200, 200, 50]);
  });

  test("billing insights page by total_pages until every data point is read", async () => {
    const day = fake.state.billingInsights[0];
    // 450 points on one day → pages of 200, 200, 50
    fake.state.billingInsights = Array.from({ length: 450 }, (_, index) => ({ ...day, sku: `sku-${index}` }));
    const { client } = makeClient();
    const points = await client.getBillingInsights(fake.state.accountUrn, "2026-03-01", "2026-03-31");
    expect(points).toHaveLength(450);
    expect(fake.requests.map((request) => request.query.page)).toEqual(["1", "2", "3"]);
    expect(fake.validationErrors).toEqual([]);
  });

  test("a page that disappears mid-pagination is an error, never a partial list", async () => {
    fake.state.droplets = generateDroplets(450);
    fake.injectFault({ kind: "disappearing-page", path: "/v2/droplets", page: 2 });
    const { client } = makeClient();
    const error = await failure(client.listDroplets());
    expect(error).toMatchObject({ status: 404, id: "page_disappeared", method: "GET", path: "/v2/droplets" });
    expect(error.message).toContain("page 2 answered 404 after 200 of 450 items");
    expect(fake.validationErrors).toEqual([]);
  });

  test("a total that does not add up (the list changed while paging) is an error", async () => {
    fake.state.droplets = generateDroplets(250);
    // Stand-in for a droplet created between pages: the last page reports one more than was served.
    const lyingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { meta: { total: number } };
      if (String(input).includes("page=2")) body.meta.total += 1;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const { client } = makeClient({ fetch: lyingFetch });
    await expect(client.listDroplets()).rejects.toMatchObject({ id: "inconsistent_pagination" });
  });

  test("a next link to another host is refused before the token is sent there", async () => {
    const seen: string[] = [];
    const redirectingFetch: typeof fetch = async (input, init) => {
      seen.push(new URL(String(input)).host);
      const response = await fetch(input, init);
      const body = (await response.json()) as { links: unknown };
      body.links = { pages: { next: "https://api.digitalocean.com.evil.example/v2/droplets?page=2&per_page=200" } };
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers });
    };
    const { client } = makeClient({ fetch: redirectingFetch });
    await expect(client.listDroplets()).rejects.toMatchObject({ id: "foreign_link" });
    expect(seen).toEqual([new URL(fake.url).host]);
  });
});

describe("rate limits and retries", () => {
  test("a 429 with retry-after waits exactly that long, then succeeds", async () => {
    fake.injectFault({ kind: "429", path: "/v2/customers/my/balance", retryAfterSeconds: 7, times: 2 });
    const { client, sleeps } = makeClient();
    await expect(client.getBalance()).resolves.toEqual(fake.state.balance);
    expect(sleeps).toEqual([7000, 7000]);
    expect(fake.requests).toHaveLength(3);
    expect(fake.validationErrors).toEqual([]);
  });

  test("a 429 without retry-after backs off with full jitter: random × base × 2^(attempt-1)", async () => {
    fake.injectFault({ kind: "429", retryAfterSeconds: null, times: 2 });
    const { client, sleeps } = makeClient();
    await client.getBalance();
    // 0.5 × 500 × 1 = 250; 0.5 × 500 × 2 = 500
    expect(sleeps).toEqual([250, 500]);
  });

  test("a retry-after longer than the client's ceiling fails at once instead of hammering", async () => {
    fake.injectFault({ kind: "429", retryAfterSeconds: 3600 });
    const { client, sleeps } = makeClient({ maxRetryDelayMs: 60_000 });
    await expect(client.getBalance()).rejects.toMatchObject({ status: 429, id: "retry_after_too_long" });
    expect(sleeps).toEqual([]);
  });

  test.each(["500", "503"] as const)("a %s on a GET is retried, then the answer is returned", async (kind) => {
    fake.injectFault({ kind, path: "/v2/droplets", times: 2 });
    const { client, sleeps, logLines } = makeClient();
    await expect(client.listDroplets()).resolves.toHaveLength(fake.state.droplets.length);
    expect(sleeps).toEqual([250, 500]);
    expect(logLines).toHaveLength(2);
    expect(fake.validationErrors).toEqual([]);
  });

  test("retries are bounded: maxRetries 3 means 4 requests, then the last error", async () => {
    fake.injectFault({ kind: "500", times: Infinity });
    const { client, sleeps } = makeClient({ maxRetries: 3, random: () => 0.999, retryBaseDelayMs: 1000, maxRetryDelayMs: 2500 });
    const error = await failure(client.getBalance());
    expect(error).toMatchObject({ status: 500, id: "server_error", attempts: 4, requestId: "fake-500" });
    expect(fake.requests).toHaveLength(4);
    // ceilings 1000, 2000, min(4000, 2500) = 2500, each × 0.999, floored
    expect(sleeps).toEqual([999, 1998, 2497]);
  });

  test("a POST is not retried after a 500: it may have happened", async () => {
    fake.injectFault({ kind: "500", method: "POST" });
    const { client } = makeClient();
    await expect(client.createNamespace({ region: "nyc1", label: "once" })).rejects.toMatchObject({ status: 500, attempts: 1 });
    expect(fake.requests).toHaveLength(1);
  });

  test("a 404 is not retried and names the request", async () => {
    const { client } = makeClient();
    const error = await failure(client.getNamespace("fn-missing"));
    expect(error).toMatchObject({ status: 404, id: "not_found", method: "GET", path: "/v2/functions/namespaces/fn-missing", attempts: 1 });
    expect(error.requestId).toMatch(/^fake-\d+$/);
    expect(fake.requests).toHaveLength(1);
  });

  test("a request that never answers times out and is retried", async () => {
    fake.injectFault({ kind: "timeout", path: "/v2/customers/my/balance" });
    const { client, sleeps } = makeClient({ timeoutMs: 150 });
    await expect(client.getBalance()).resolves.toEqual(fake.state.balance);
    expect(sleeps).toEqual([250]);
    expect(fake.requests).toHaveLength(2);
  });

  test("an answer slower than the timeout counts as a timeout", async () => {
    fake.injectFault({ kind: "timeout", delayMs: 400, times: Infinity });
    const { client } = makeClient({ timeoutMs: 100, maxRetries: 1 });
    await expect(client.getBalance()).rejects.toMatchObject({ status: null, id: "timeout", attempts: 2 });
  });

  test("a truncated body is retried, then surfaced", async () => {
    fake.injectFault({ kind: "truncated-json", times: Infinity });
    const { client } = makeClient({ maxRetries: 2 });
    const error = await failure(client.listDroplets());
    expect(error).toMatchObject({ status: null, id: "network_error", attempts: 3 });
    expect(fake.requests).toHaveLength(3);
  });

  test("a malformed JSON body is retried and recovers, or is surfaced as invalid_json", async () => {
    fake.injectFault({ kind: "malformed-json" });
    const { client } = makeClient();
    await expect(client.getBalance()).resolves.toEqual(fake.state.balance);
    fake.injectFault({ kind: "malformed-json", times: Infinity });
    await expect(client.getBalance()).rejects.toMatchObject({ status: 200, id: "invalid_json", attempts: 6 });
  });

  test("low ratelimit-remaining spreads the rest of the quota until ratelimit-reset", async () => {
    // The first answer reports 10 left and a reset 110 s away: 110 000 ms / (10 + 1) = 10 000 ms.
    fake.state.rateLimit.remaining = 11;
    fake.state.rateLimit.resetEpochSeconds = SEED_NOW.getTime() / 1000 + 110;
    const { client, sleeps, events } = makeClient();
    await client.getBalance();
    expect(sleeps).toEqual([]);
    await client.getBalance();
    expect(sleeps).toEqual([10_000]);
    expect(events).toContainEqual({ kind: "throttle", delayMs: 10_000, remaining: 10 });
  });
});

describe("arguments are checked before any request", () => {
  test.each([
    ["a span over 31 days", "do:team:abc", "2026-01-01", "2026-02-02", /within 31 days/],
    ["an end before the start", "do:team:abc", "2026-02-02", "2026-02-01", /before startDate/],
    ["a date that does not exist", "do:team:abc", "2026-02-30", "2026-03-01", /startDate must be a YYYY-MM-DD date \(got "2026-02-30"\)/],
    ["a URN that is not a team", "team-abc", "2026-02-01", "2026-02-02", /accountUrn must look like do:team/],
  ])("getBillingInsights rejects %s", async (_case, urn, start, end, message) => {
    const { client } = makeClient();
    await expect(client.getBillingInsights(urn, start, end)).rejects.toThrow(message);
    expect(fake.requests).toEqual([]);
  });

  test("exactly 31 days is allowed", async () => {
    const { client } = makeClient();
    await expect(client.getBillingInsights(fake.state.accountUrn, "2026-03-01", "2026-04-01")).resolves.toHaveLength(14 * 9);
  });
});

describe("the token never leaks", () => {
  const mustNotContainToken = (value: unknown) => {
    for (const text of [util.inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? "", String(value), (value as Error)?.stack ?? ""]) {
      expect(text).not.toContain(TOKEN);
    }
  };

  test("not in the client object", () => {
    const { client } = makeClient();
    mustNotContainToken(client);
  });

  test("not in a 401 error, nor the fake's request log", async () => {
    const { client } = makeClient({ token: `${TOKEN}-wrong` });
    const error = await failure(client.getBalance());
    expect(error).toMatchObject({ status: 401, id: "unauthorized" });
    mustNotContainToken(error);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer [REDACTED]");
    expect(JSON.stringify(fake.requests)).not.toContain(TOKEN);
  });

  test("not in errors whose server message or network failure echoes it", async () => {
    const echoing: typeof fetch = async (_input, init) => {
      const authorization = new Headers(init?.headers).get("authorization") ?? "";
      return new Response(JSON.stringify({ id: "forbidden", message: `token ${authorization} lacks billing:read` }), { status: 403 });
    };
    const echoed = await failure(makeClient({ fetch: echoing }).client.getBalance());
    expect(echoed.message).toContain("Bearer [REDACTED] lacks billing:read");
    mustNotContainToken(echoed);

    const exploding: typeof fetch = async (_input, init) => {
      throw new TypeError("fetch failed", { cause: new Error(`socket hang up (${new Headers(init?.headers).get("authorization")})`) });
    };
    const { client, logLines, events } = makeClient({ fetch: exploding, maxRetries: 1 });
    const network = await failure(client.getBalance());
    expect(network).toMatchObject({ id: "network_error", attempts: 2 });
    mustNotContainToken(network);
    mustNotContainToken(logLines);
    mustNotContainToken(events);
  });

  /** Answers `status` with the token echoed in every place a server can put text: headers, error body, request id. */
  const echoingEverywhere = (status: number, where: "header" | "body"): typeof fetch => async (_input, init) => {
    const authorization = new Headers(init?.headers).get("authorization") ?? "";
    const token = authorization.replace(/^Bearer /, "");
    const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": `req-${token}` };
    if (status === 429) headers["retry-after"] = "1";
    const body = where === "body" ? { id: `id_${token}`, message: `you sent ${authorization}`, request_id: `body-req-${token}` } : {};
    return new Response(status === 200 ? "{not json" : JSON.stringify(body), { status, headers });
  };

  test.each([
    ["a 403 whose request_id, id and message echo it", 403, "body", 1, "body-req-[REDACTED]"],
    ["a 404 whose x-request-id header echoes it", 404, "header", 1, "req-[REDACTED]"],
    ["retried 503s whose x-request-id echoes it", 503, "header", 3, "req-[REDACTED]"],
    ["retried 429s whose request_id echoes it", 429, "body", 3, "body-req-[REDACTED]"],
    ["an unreadable 200 whose x-request-id echoes it", 200, "header", 3, "req-[REDACTED]"],
  ] as const)("not in %s, nor in the logs or progress events", async (_case, status, where, attempts, requestId) => {
    const { client, logLines, events } = makeClient({ fetch: echoingEverywhere(status, where), maxRetries: 2 });
    const error = await failure(client.getBalance());
    expect(error).toMatchObject({ attempts, requestId });
    expect(error.message).toContain(`(request ${requestId})`);
    mustNotContainToken(error);
    mustNotContainToken(logLines);
    mustNotContainToken(events);
    expect(logLines).toHaveLength(attempts - 1);
  });

  test("not in the path of a next link that carries it, in errors, logs and progress events", async () => {
    fake.state.droplets = generateDroplets(250);
    const leakyLink: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = (await response.json()) as { links?: { pages?: { next?: string } } };
      if (body.links?.pages?.next) body.links.pages.next += `&token=${encodeURIComponent(TOKEN)}`;
      // The linked page fails, so the path with the token ends up in a retry line and an error.
      const failing = String(input).includes("token=");
      return new Response(JSON.stringify(body), { status: failing ? 503 : response.status, headers: response.headers });
    };
    const { client, logLines, events } = makeClient({ fetch: leakyLink, maxRetries: 1 });
    const error = await failure(client.listDroplets());
    expect(error).toMatchObject({ status: 503, attempts: 2 });
    expect(error.path).toContain("token=[REDACTED]");
    expect(logLines.join("\n")).toContain("token=[REDACTED]");
    mustNotContainToken(error);
    mustNotContainToken(logLines);
    mustNotContainToken(events);
  });
});
