import { enumAt, findOperation, schemaAt, validateRequest, validateResponse } from "../support/openapi";
import {
  generateInvoiceItems,
  invoiceResourcesOf,
  seedRestaurantPlatformAccount,
  startFakeDigitalOcean,
  type FakeDigitalOcean,
} from "../support/fake-do-api";

let fake: FakeDigitalOcean;

beforeAll(async () => {
  fake = await startFakeDigitalOcean();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  Object.assign(fake.state, seedRestaurantPlatformAccount());
});

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${fake.url}${path}`, { ...init, headers: { authorization: `Bearer ${fake.token}`, ...init.headers } });
}

describe("the OpenAPI validator", () => {
  test("finds operations, preferring literal segments over templates", () => {
    expect(findOperation("GET", "/v2/customers/my/invoices/preview")).toMatchObject({ template: "/v2/customers/my/invoices/{invoice_uuid}", pathParams: { invoice_uuid: "preview" } });
    expect(findOperation("GET", "/v2/apps/tiers/instance_sizes")?.template).toBe("/v2/apps/tiers/instance_sizes");
    expect(findOperation("GET", "/v2/no/such/thing")).toBeUndefined();
  });

  test.each([
    ["a wrong type", { month_to_date_balance: 12.5 }, "/month_to_date_balance must be string"],
    ["a field the spec lacks", { month_to_date_usage: "1.00", category: "Droplets" }, 'has a property the spec lacks: "category"'],
    ["a bad date-time", { generated_at: "yesterday" }, '/generated_at must match format "date-time"'],
  ])("reports a response with %s", (_case, body, expected) => {
    const problems = validateResponse("GET", "/v2/customers/my/balance", 200, body);
    expect(problems).toEqual([expect.stringContaining(expected)]);
  });

  test("checks nested items and nullable fields the OpenAPI 3.0 way", () => {
    const item = { product: "Droplets", amount: 3 };
    expect(validateResponse("GET", "/v2/customers/my/invoices/preview", 200, { invoice_items: [item], links: {}, meta: { total: 1 } })).toEqual([
      expect.stringContaining("/invoice_items/0/amount must be string"),
    ]);
    // reserved_ips/models/reserved_ip.yml: `droplet` is nullable; `locked` is not.
    const ip = { ip: "203.0.113.7", droplet: null, locked: null };
    expect(validateResponse("GET", "/v2/reserved_ips", 200, { reserved_ips: [ip], links: {}, meta: { total: 1 } })).toEqual([
      expect.stringContaining("/reserved_ips/0/locked must be boolean"),
    ]);
  });

  test("reports a missing meta, an undeclared status and an unexpected body on 204", () => {
    expect(validateResponse("GET", "/v2/droplets", 200, { droplets: [] })).toEqual([expect.stringContaining("must have required property 'meta'")]);
    expect(validateResponse("DELETE", "/v2/functions/namespaces/fn-1", 204, { id: "x" })).toEqual([expect.stringContaining("declares no JSON body")]);
    expect(validateResponse("DELETE", "/v2/functions/namespaces/fn-1", 204, undefined)).toEqual([]);
  });

  test.each([
    ["per_page over 200", "/v2/droplets", { per_page: "500" }, 'query parameter "per_page"="500" must be <= 200'],
    ["a non-number page", "/v2/droplets", { page: "two" }, 'query parameter "page"="two" must be integer'],
    ["an enum violation", "/v2/snapshots", { resource_type: "image" }, "must be equal to one of the allowed values"],
    ["an undeclared parameter", "/v2/sizes", { region: "nyc3" }, 'query parameter "region" is not declared'],
    ["paging on an unpaginated list", "/v2/databases", { per_page: "200" }, 'query parameter "per_page" is not declared'],
    ["a path date that is no date", "/v2/billing/do:team:1/insights/2026-01-01/2026-02-30", {}, 'path parameter "end_date"="2026-02-30" must match format "date"'],
  ])("reports a request with %s", (_case, path, query, expected) => {
    expect(validateRequest("GET", path, query)).toEqual([expect.stringContaining(expected)]);
  });

  test("accepts page/per_page on lists that return links even where the spec forgets to declare them", () => {
    expect(validateRequest("GET", "/v2/customers/my/billing_history", { page: "2", per_page: "200" })).toEqual([]);
  });

  test("checks request bodies, without requiring readOnly fields", () => {
    expect(validateRequest("POST", "/v2/functions/namespaces", {}, { region: "nyc1" })).toEqual([expect.stringContaining("must have required property 'label'")]);
    expect(validateRequest("POST", "/v2/functions/namespaces", {}, { region: "nyc1", label: "x" })).toEqual([]);
    expect(validateRequest("POST", "/v2/functions/namespaces", {})).toEqual([expect.stringContaining("request body is required")]);
  });

  test("reads enums and schemas from the spec", () => {
    expect(enumAt("#/components/schemas/droplet/properties/status")).toEqual(["new", "active", "off", "archive"]);
    expect(enumAt("#/components/schemas/billing_history/properties/type")).toContain("Invoice");
    expect(schemaAt("#/components/schemas/balance")).toMatchObject({ properties: { month_to_date_usage: { type: "string" } } });
    expect(() => enumAt("#/components/schemas/balance")).toThrow("has no enum");
  });
});

describe("the fake DigitalOcean API", () => {
  test("requires a bearer token and answers 401 like DigitalOcean", async () => {
    const response = await fetch(`${fake.url}/v2/droplets`);
    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toEqual({ id: "unauthorized", message: "Unable to authenticate you" });
    expect(fake.validationErrors).toEqual([]);
  });

  test("pages exactly as DigitalOcean: absolute links, first/prev after page 1, next/last before the end, meta.total", async () => {
    const base = `${fake.url}/v2/droplets`;
    // 4 droplets at 2 per page → 2 pages
    const first = (await (await get("/v2/droplets?per_page=2")).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ links: { pages: { next: `${base}?page=2&per_page=2`, last: `${base}?page=2&per_page=2` } }, meta: { total: 4 } });
    expect(first.droplets).toHaveLength(2);
    const second = (await (await get("/v2/droplets?page=2&per_page=2")).json()) as Record<string, unknown>;
    expect(second.links).toEqual({ pages: { first: `${base}?page=1&per_page=2`, prev: `${base}?page=1&per_page=2` } });
    const single = (await (await get("/v2/droplets")).json()) as Record<string, unknown>;
    expect(single.links).toEqual({});
    expect(fake.validationErrors).toEqual([]);
  });

  test("keeps filters in page links and filters by tag", async () => {
    const body = (await (await get("/v2/droplets?tag_name=service:worker&per_page=1")).json()) as { links: { pages: { next: string } }; meta: { total: number } };
    expect(body.meta.total).toBe(3);
    expect(new URL(body.links.pages.next).searchParams.get("tag_name")).toBe("service:worker");
  });

  test("sends rate-limit headers that count down", async () => {
    const first = await get("/v2/customers/my/balance");
    const second = await get("/v2/customers/my/balance");
    expect(first.headers.get("ratelimit-limit")).toBe("5000");
    expect(Number(first.headers.get("ratelimit-remaining")) - Number(second.headers.get("ratelimit-remaining"))).toBe(1);
    expect(Number(second.headers.get("ratelimit-reset"))).toBe(fake.state.rateLimit.resetEpochSeconds);
  });

  test("records requests with the token redacted", async () => {
    await get("/v2/sizes?per_page=5");
    expect(fake.requests).toEqual([expect.objectContaining({ method: "GET", path: "/v2/sizes", query: { per_page: "5" } })]);
    expect(fake.requests[0]?.headers.authorization).toBe("Bearer [REDACTED]");
    expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
  });

  test("answers a request the spec forbids with 500 and records why", async () => {
    const response = await get("/v2/droplets?per_page=500");
    expect(response.status).toBe(500);
    expect(fake.validationErrors).toEqual([expect.stringContaining('"per_page"="500" must be <= 200')]);
    fake.reset();
    await fetch(`${fake.url}/v2/functions/namespaces`, { method: "POST", headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" }, body: JSON.stringify({ label: "no-region" }) });
    expect(fake.validationErrors).toEqual([expect.stringContaining("must have required property 'region'")]);
  });

  test("catches its own state drifting from the spec", async () => {
    (fake.state.droplets[0] as unknown as Record<string, unknown>).cost_center = "kitchen";
    await get("/v2/droplets");
    expect(fake.validationErrors).toEqual([expect.stringContaining('has a property the spec lacks: "cost_center"')]);
  });

  describe("faults", () => {
    test("429 carries retry-after, counts down `times`, then the normal answer returns", async () => {
      fake.injectFault({ kind: "429", path: /balance/, retryAfterSeconds: 3, times: 2 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await get("/v2/customers/my/balance");
        statuses.push(response.status);
        if (response.status === 429) expect(response.headers.get("retry-after")).toBe("3");
      }
      expect(statuses).toEqual([429, 429, 200]);
      expect(fake.validationErrors).toEqual([]);
    });

    test.each([
      ["500", 500, "server_error"],
      ["503", 503, "service_unavailable"],
    ] as const)("%s answers with DigitalOcean's error shape", async (kind, status, id) => {
      fake.injectFault({ kind, method: "GET" });
      const response = await get("/v2/sizes");
      expect(response.status).toBe(status);
      await expect(response.json()).resolves.toMatchObject({ id });
      expect(fake.validationErrors).toEqual([]);
    });

    test("only matches the given method and path", async () => {
      fake.injectFault({ kind: "500", method: "POST", path: "/v2/sizes" });
      expect((await get("/v2/sizes")).status).toBe(200);
      expect((await get("/v2/volumes")).status).toBe(200);
    });

    test("malformed-json is a complete 200 that is not JSON; truncated-json dies mid-body", async () => {
      fake.injectFault({ kind: "malformed-json" });
      const malformed = await get("/v2/customers/my/balance");
      expect(malformed.status).toBe(200);
      await expect(malformed.clone().json()).rejects.toThrow();
      fake.injectFault({ kind: "truncated-json" });
      await expect(get("/v2/customers/my/balance").then((response) => response.text())).rejects.toThrow();
    });

    test("timeout with delayMs answers late; without it never answers", async () => {
      fake.injectFault({ kind: "timeout", delayMs: 80 });
      const started = Date.now();
      expect((await get("/v2/customers/my/balance")).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
      fake.injectFault({ kind: "timeout" });
      await expect(get("/v2/customers/my/balance", { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    });

    test("disappearing-page spares page 1 and 404s a later page", async () => {
      fake.injectFault({ kind: "disappearing-page", path: "/v2/droplets" });
      expect((await get("/v2/droplets?per_page=2")).status).toBe(200);
      expect((await get("/v2/droplets?page=2&per_page=2")).status).toBe(404);
      expect((await get("/v2/droplets?page=2&per_page=2")).status).toBe(200);
    });
  });
});

describe("seed and generators", () => {
  test("the restaurant platform's numbers agree with each other", () => {
    const state = seedRestaurantPlatformAccount();
    const previewCents = (state.invoiceItems.preview ?? []).reduce((sum, item) => sum + Math.round(Number(item.amount) * 100), 0);
    expect(Math.round(Number(state.balance.month_to_date_usage) * 100)).toBe(previewCents);
    expect(state.invoicePreview.amount).toBe(state.balance.month_to_date_usage);
    expect(state.projects.map((project) => project.name)).toEqual(["restaurant-prod", "restaurant-staging"]);
    expect(state.droplets.filter((droplet) => droplet.tags.includes("service:worker")).map((droplet) => droplet.name)).toEqual([
      "restaurant-worker-1",
      "restaurant-worker-2",
      "restaurant-worker-3",
    ]);
    // Statuses come from the spec's own enums.
    const statuses = enumAt("#/components/schemas/droplet/properties/status");
    for (const droplet of state.droplets) expect(statuses).toContain(droplet.status);
    const historyTypes = enumAt("#/components/schemas/billing_history/properties/type");
    for (const entry of state.billingHistory) expect(historyTypes).toContain(entry.type);
  });

  test("a worker droplet (s-2vcpu-4gb, $24/mo) is billed 342 hours by mid-March: 24 × 342 / 672 = 12.21", () => {
    const state = seedRestaurantPlatformAccount();
    const worker = state.invoiceItems.preview?.find((item) => item.description?.startsWith("restaurant-worker-1"));
    expect(worker).toMatchObject({ product: "Droplets", duration: "342", duration_unit: "Hours", amount: "12.21", project_name: "restaurant-prod" });
  });

  test("generateInvoiceItems cycles resources, caps at 672 hours and is deterministic", () => {
    const resources = invoiceResourcesOf(seedRestaurantPlatformAccount());
    const items = generateInvoiceItems(1000, resources);
    expect(items).toHaveLength(1000);
    expect(generateInvoiceItems(1000, resources)).toEqual(items);
    items.forEach((item, index) => {
      const resource = resources[index % resources.length];
      expect(item.product).toBe(resource?.product);
      const hours = Number(item.duration);
      expect(item.amount).toBe((((resource?.monthlyUsd ?? 0) * Math.min(hours, 672)) / 672).toFixed(2));
    });
    expect(items.some((item) => Number(item.duration) > 672)).toBe(true);
    expect(() => generateInvoiceItems(3, [])).toThrow("resources must not be empty");
  });

  test("generated invoice items pass the spec when served", () => {
    const items = generateInvoiceItems(50, invoiceResourcesOf(seedRestaurantPlatformAccount()));
    expect(validateResponse("GET", "/v2/customers/my/invoices/preview", 200, { invoice_items: items, links: {}, meta: { total: 50 } })).toEqual([]);
  });
});

describe("the fake as an organisation", () => {
  const ORGANIZATION_URN = "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904";
  const SHOP_URN = "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
  const CLIENT_URN = "do:team:7e2f9a41-0c3d-4b5e-9f61-82a3b4c5d6e7";
  let organization: FakeDigitalOcean;
  const call = (path: string, token: string) => fetch(`${organization.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const shop = { ...seedRestaurantPlatformAccount(), accountUrn: SHOP_URN };
    shop.billingInsights = shop.billingInsights.map((point) => ({ ...point, usage_team_urn: SHOP_URN }));
    const client = { ...seedRestaurantPlatformAccount(), accountUrn: CLIENT_URN };
    client.billingInsights = client.billingInsights.slice(0, 3).map((point) => ({ ...point, usage_team_urn: CLIENT_URN }));
    client.balance = { ...client.balance, month_to_date_usage: "1.23" };
    organization = await startFakeDigitalOcean({
      teams: [
        { label: "shop", token: "shop-token", state: shop },
        { label: "client", state: client, name: "Client A" },
      ],
      organization: { urn: ORGANIZATION_URN, token: "org-token", extraInsights: [{ usage_team_urn: "do:team:00000000-0000-4000-8000-000000000000", start_date: "2026-03-01", total_amount: "2.00" }] },
    });
  });
  afterAll(() => organization.close());
  beforeEach(() => organization.reset());

  test("answers each team's token with that team's account, and labels every request by its token, never showing it", async () => {
    expect(((await (await call("/v2/customers/my/balance", "shop-token")).json()) as { month_to_date_usage: string }).month_to_date_usage).toBe(organization.teams[0]!.state.balance.month_to_date_usage);
    expect((await call("/v2/customers/my/balance", "nobody's")).status).toBe(401);
    await fetch(`${organization.url}/v2/sizes`);
    expect(organization.requests.map((request) => request.token)).toEqual(["shop", "(unknown token)", "(no token)"]);
    expect(JSON.stringify(organization.requests)).not.toContain("shop-token");
    expect(organization.validationErrors).toEqual([]);
  });

  test("lists the organisation's teams and serves its insights, each point with its team's URN, to the organisation's token only", async () => {
    const teams = (await (await call("/v2/organizations/teams", "org-token")).json()) as { teams: { uuid: string; name: string }[] };
    expect(teams.teams.map((team) => [team.uuid, team.name])).toEqual([
      [SHOP_URN.slice(8), "shop"],
      [CLIENT_URN.slice(8), "Client A"],
    ]);
    const insights = (await (await call(`/v2/billing/${ORGANIZATION_URN}/insights/2026-03-01/2026-03-31?per_page=200`, "org-token")).json()) as { data_points: { usage_team_urn: string }[]; total_items: number };
    const byTeam = new Map<string, number>();
    for (const point of insights.data_points) byTeam.set(point.usage_team_urn, (byTeam.get(point.usage_team_urn) ?? 0) + 1);
    expect(Object.fromEntries(byTeam)).toEqual({ [SHOP_URN]: organization.teams[0]!.state.billingInsights.length, [CLIENT_URN]: 3, "do:team:00000000-0000-4000-8000-000000000000": 1 });
    expect(organization.requests.map((request) => request.token)).toEqual(["organization", "organization"]);
    expect(organization.validationErrors).toEqual([]);
  });

  test("pages the organisation's insights over its teams in order, pages straddling two teams, and sees a team's points change between pages", async () => {
    type Page = { data_points: { usage_team_urn: string; start_date: string; sku?: string }[]; total_items: number; total_pages: number; current_page: number };
    const path = `/v2/billing/${ORGANIZATION_URN}/insights/2026-03-01/2026-03-02`;
    const page = async (number: number) => (await (await call(`${path}?page=${number}&per_page=5`, "org-token")).json()) as Page;
    const inRange = <T extends { start_date?: string }>(points: readonly T[]) => points.filter((point) => point.start_date! <= "2026-03-02");
    const [shop, client] = organization.teams.map((team) => team.state);
    const expected = [
      ...inRange(shop!.billingInsights).map((point) => [SHOP_URN, point.start_date, point.sku]),
      ...inRange(client!.billingInsights).map((point) => [CLIENT_URN, point.start_date, point.sku]),
      ["do:team:00000000-0000-4000-8000-000000000000", "2026-03-01", undefined],
    ];
    const first = await page(1);
    expect([first.total_items, first.total_pages]).toEqual([expected.length, Math.ceil(expected.length / 5)]);
    const served = [first];
    for (let number = 2; number <= first.total_pages; number++) served.push(await page(number));
    expect(served.map((answer) => answer.current_page)).toEqual(Array.from({ length: first.total_pages }, (_, index) => index + 1));
    expect(served.flatMap((answer) => answer.data_points.map((point) => [point.usage_team_urn, point.start_date, point.sku]))).toEqual(expected);
    // A team's points replaced mid-read: the next page counts them afresh.
    const before = client!.billingInsights;
    client!.billingInsights = before.slice(0, 1);
    try {
      expect((await page(2)).total_items).toBe(expected.length - 2);
    } finally {
      client!.billingInsights = before;
    }
    expect(organization.validationErrors).toEqual([]);
  });

  test("refuses a team's token the organisation's reads, and the organisation's token a team's, as DigitalOcean would (403)", async () => {
    expect((await call("/v2/organizations/teams", "shop-token")).status).toBe(403);
    expect((await call(`/v2/billing/${ORGANIZATION_URN}/insights/2026-03-01/2026-03-31`, "shop-token")).status).toBe(403);
    expect((await call("/v2/customers/my/balance", "org-token")).status).toBe(403);
    expect((await call(`/v2/billing/${SHOP_URN}/insights/2026-03-01/2026-03-31`, "org-token")).status).toBe(404);
    expect(organization.validationErrors).toEqual([]);
  });
});
