/**
 * The dashboard's API and page with teams, over HTTP against a seeded organisation
 * (teams-fixture.ts): without `?team` every route answers for the organisation (sums to the
 * cent, lists labelled by team), `?team=<name>` scopes it to one team, a bad team or sort is a
 * 400 naming the parameter, and a team's own password reads that team and nothing else.
 */
import { sumUsd, toCents } from "../../../core/money";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL } from "../../../core/tracker-settings";
import { handleDashboardRequest } from "../../../functions/src/dashboard/handle";
import { main } from "../../../functions/src/dashboard/web-action";
import { basic } from "./dashboard-fixture";
import { EXPECTED, expectedTotal, MARKERS, PASSWORD, SORTED, startTeamsDashboard, TEAM_PASSWORDS, TEAMS_SETTINGS, USERNAME, type TeamsFixture } from "./teams-fixture";

let fixture: TeamsFixture;
const MAIN = basic(USERNAME, PASSWORD);
const CLIENT = basic(USERNAME, TEAM_PASSWORDS["client-a"]);
const SHOP = `Bearer ${TEAM_PASSWORDS.shop}`;
const GET_ROUTES = [
  "/",
  "/api/v1/billing/current",
  "/api/v1/billing/history",
  "/api/v1/billing/alerts",
  "/api/v1/billing/suggestions",
  "/api/v1/billing/stacks",
  "/api/v1/billing/cleanup",
  "/api/v1/billing/units",
  "/api/v1/billing/allocation?by=project",
  "/api/v1/billing/allocation?by=tag",
  "/api/v1/billing/allocation?by=service",
];

beforeAll(async () => {
  fixture = await startTeamsDashboard(__filename);
});
afterAll(() => fixture.close());

async function call(path: string, authorization: string, init: RequestInit = {}): Promise<{ status: number; text: string; body: any }> {
  const response = await fetch(`${fixture.baseUrl}${path}`, { ...init, headers: { Authorization: authorization, ...(init.headers as Record<string, string> | undefined) } });
  const text = await response.text();
  return { status: response.status, text, body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined };
}

/** `path` with `team` added to its query. */
function withTeam(path: string, team: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}team=${encodeURIComponent(team)}`;
}

/** Every other label's markers a body holds (none, when it holds only `team`'s data). */
function foreignMarkers(text: string, team: keyof typeof MARKERS): string[] {
  return Object.entries(MARKERS)
    .filter(([label]) => label !== team)
    .flatMap(([, markers]) => markers.filter((marker) => text.includes(marker)));
}

describe("the organisation: the dashboard's own password without ?team", () => {
  it("GET /current is the overview: each team's month to date, budget, projection and savings, the unassigned spend, and a total that is their sum to the cent", async () => {
    const { status, body } = await call("/api/v1/billing/current", MAIN);
    expect(status).toBe(200);
    expect(body.team).toBeNull();
    expect(body.teams.map((row: { team: string }) => row.team)).toEqual(SORTED.spend);
    const shop = body.teams.find((row: { team: string }) => row.team === "shop");
    // The fresher figure: shop's balance check ($97.10, 13:58) over last night's insights ($95.00).
    expect(shop).toEqual({ team: "shop", insightsOnly: false, monthToDateUsd: 97.1, budgetUsd: 200, budgetUsedPercent: 48.6, projectedUsd: EXPECTED.shop.projectedUsd, overBudget: false, monthlySavingsUsd: 31.2, asOf: "2026-11-20T13:58:00.000Z" });
    const client = body.teams.find((row: { team: string }) => row.team === "client-a");
    expect(client).toMatchObject({ insightsOnly: true, monthToDateUsd: 48, projectedUsd: EXPECTED["client-a"].projectedUsd, monthlySavingsUsd: null, asOf: "2026-11-20T00:00:00.000Z" });
    expect(body.unassigned).toEqual({ monthToDateUsd: 4.75, projectedUsd: EXPECTED[UNASSIGNED_LABEL].projectedUsd, asOf: "2026-11-20T00:00:00.000Z" });
    // 97.10 + 51.70 + 48.00 + 4.75 = 201.55 of the $500 organisation budget; projections 148.98 + 56.89 + 110.25 + 7.34 = 323.46.
    expect(body.total).toEqual({ monthToDateUsd: 201.55, projectedUsd: 323.46, monthlySavingsUsd: 79.2, budgetUsd: 500, budgetUsedPercent: 40.3, overBudget: false });
    expect([expectedTotal("monthToDateUsd"), expectedTotal("projectedUsd")]).toEqual([201.55, 323.46]);
    const rows = [...body.teams, body.unassigned] as { monthToDateUsd: number; projectedUsd: number }[];
    expect(rows.reduce((sum, row) => sum + toCents(row.monthToDateUsd), 0)).toBe(toCents(body.total.monthToDateUsd));
    expect(rows.reduce((sum, row) => sum + toCents(row.projectedUsd), 0)).toBe(toCents(body.total.projectedUsd));
  });

  it("without an organisation budget the total is compared with nothing, and the page says so", async () => {
    const deps = { ...fixture.deps, teams: { ...fixture.deps.teams!, organization: undefined } };
    const answer = await handleDashboardRequest({ method: "GET", path: "/api/v1/billing/current", headers: { authorization: MAIN }, query: {}, body: undefined }, deps);
    expect(JSON.parse(answer.body).total).toEqual({ monthToDateUsd: 201.55, projectedUsd: 323.46, monthlySavingsUsd: 79.2, budgetUsd: null, budgetUsedPercent: null, overBudget: null });
    const page = await handleDashboardRequest({ method: "GET", path: "/", headers: { authorization: MAIN }, query: {}, body: undefined }, deps);
    expect(page.body).toContain("3 teams · no organisation budget (<code>billing.organization</code>)");
    expect(page.body).toMatch(/<td data-label="Budget" class="num"><div>not set<\/div><\/td>/);
  });

  it("each team's row is what its own ?team= answer says", async () => {
    const overview = (await call("/api/v1/billing/current", MAIN)).body;
    for (const row of overview.teams as { team: string; monthToDateUsd: number; projectedUsd: number; budgetUsd: number; asOf: string }[]) {
      const own = (await call(`/api/v1/billing/current?team=${row.team}`, MAIN)).body;
      expect([own.team, own.monthToDateUsd, own.forecast.projectedUsd, own.budgetUsd, own.asOf]).toEqual([row.team, row.monthToDateUsd, row.projectedUsd, row.budgetUsd, row.asOf]);
    }
  });

  it.each(Object.entries(SORTED))("?sort=%s orders the teams %j, on the API and on the page", async (sort, order) => {
    const { body } = await call(`/api/v1/billing/current?sort=${sort}`, MAIN);
    expect([body.sort, body.teams.map((row: { team: string }) => row.team)]).toEqual([sort, order]);
    const page = await call(`/?sort=${sort}`, MAIN);
    expect([...page.text.matchAll(/<tr data-team="([a-z-]+)">/g)].map((match) => match[1])).toEqual(order);
  });

  it("GET /history adds the teams' days up (and the unassigned spend), each team's total beside it", async () => {
    const { body } = await call("/api/v1/billing/history?from=2026-11-01&to=2026-11-19", MAIN);
    // 19 × 5 + (12 × 4 + 7 × 0.50) + (12 × 0.50 + 7 × 6) + 19 × 0.25 = 95 + 51.50 + 48 + 4.75
    expect(body.teams).toEqual([
      { team: "shop", totalUsd: 95 },
      { team: "lab", totalUsd: 51.5 },
      { team: "client-a", totalUsd: 48 },
      { team: UNASSIGNED_LABEL, totalUsd: 4.75 },
    ]);
    expect(body.totalUsd).toBe(199.25);
    expect(body.days).toHaveLength(19);
    expect(body.days[12]).toEqual({
      date: "2026-11-13",
      totalCostUsd: sumUsd([5, 0.5, 6, 0.25]),
      monthToDateUsd: sumUsd([13 * 5, 12 * 4 + 0.5, 12 * 0.5 + 6, 13 * 0.25]),
      costByService: { Droplets: 5, "GPU Droplets": 0.5, "App Platform": 6, Spaces: 0.25 },
      costByProject: { "shop-web": 5, "lab-gpu": 0.5, "client-a-site": 6, "marketing-site": 0.25 },
      costByTag: { "app:shop-web": 5, "app:lab-gpu": 0.5, "app:client-a-site": 6, "app:marketing-site": 0.25 },
    });
    expect(body.days.at(-1).monthToDateUsd).toBe(199.25);
  });

  it("GET /allocation and /units are the organisation's: its days split, its month to date per unit", async () => {
    const allocation = (await call("/api/v1/billing/allocation?by=project&from=2026-11-01&to=2026-11-19", MAIN)).body;
    expect(allocation.rows.map((row: { key: string; usd: number }) => [row.key, row.usd])).toEqual([
      ["shop-web", 95],
      ["lab-gpu", 51.5],
      ["client-a-site", 48],
      ["marketing-site", 4.75],
    ]);
    expect(allocation.totalUsd).toBe(199.25);
    // The count is the organisation's (units are the business's, counted once): 201.55 ÷ 50.
    const units = (await call("/api/v1/billing/units", MAIN)).body;
    expect(units.monthToDate).toMatchObject({ usd: 201.55, units: 50, usdPerUnit: 201.55 / 50, status: "ok" });
  });

  it("GET /alerts, /suggestions, /cleanup and /stacks list every team's rows, each labelled with its team", async () => {
    const alerts = (await call("/api/v1/billing/alerts", MAIN)).body;
    expect(alerts.events.map((event: { team: string; alertKey: string }) => [event.team, event.alertKey])).toEqual([
      [ORGANIZATION_LABEL, "threshold:mtd-200:2026-11"],
      ["shop", "threshold:mtd-100:2026-11"],
      ["client-a", "threshold:mtd-20:2026-11"],
    ]);
    expect(alerts.alerts.map((alert: { team: string; id: string }) => `${alert.team}/${alert.id}`)).toEqual(["@organization/mtd-200", "shop/mtd-100", "lab/mtd-20", "lab/mtd-60", "client-a/mtd-5", "client-a/mtd-20"]);
    expect(alerts.alerts.find((alert: { team: string; id: string }) => alert.team === "client-a" && alert.id === "mtd-20").lastTriggeredAt).toBe("2026-11-15T06:00:00.000Z");

    const savings = (await call("/api/v1/billing/suggestions", MAIN)).body;
    expect(savings.totalMonthlySavingsUsd).toBe(79.2);
    expect(savings.suggestions.map((s: { team: string; resource: { name: string } }) => [s.team, s.resource.name])).toEqual([
      ["lab", "lab-training-box"],
      ["shop", "old-batch"],
      ["shop", "old-lb"],
    ]);
    expect(savings.untagged.map((u: { team: string; name: string }) => [u.team, u.name])).toEqual([
      ["shop", "console-made"],
      ["shop", "wrong-env"],
    ]);
    expect(savings.teams).toEqual([
      { team: "shop", analysed: true, totalMonthlySavingsUsd: 31.2 },
      { team: "lab", analysed: true, totalMonthlySavingsUsd: 48 },
      { team: "client-a", analysed: false, totalMonthlySavingsUsd: null },
    ]);

    const cleanup = (await call("/api/v1/billing/cleanup", MAIN)).body;
    expect(cleanup.settings).toEqual({ enabled: true, apply: false });
    expect(cleanup.marks.map((mark: { team: string; resource: { name: string }; state: string }) => [mark.team, mark.resource.name, mark.state])).toEqual([
      ["lab", "lab-notebook", "needs-attention"],
      ["shop", "shop-checkout", "marked"],
    ]);
    const stacks = (await call("/api/v1/billing/stacks", MAIN)).body;
    expect(stacks.stacks.map((stack: { team: string; stackTag: string }) => [stack.team, stack.stackTag])).toEqual([["shop", "stack:shop-web-prod"]]);
  });
});

describe("?team=<name>: one team's rows", () => {
  it.each(["shop", "lab", "client-a"] as const)("every route scoped to %s answers with that team's data and no other team's", async (team) => {
    for (const path of GET_ROUTES) {
      const { status, text, body } = await call(withTeam(path, team), MAIN);
      expect([path, status]).toEqual([path, 200]);
      expect([path, foreignMarkers(text, team)]).toEqual([path, []]);
      if (body) expect([path, body.team]).toEqual([path, team]);
    }
  });

  it("an insights-only team says so; its month to date is the insights reading", async () => {
    const { body } = await call("/api/v1/billing/current?team=client-a", MAIN);
    expect(body).toMatchObject({ team: "client-a", insightsOnly: true, monthToDateUsd: 48, budgetUsd: 300, asOf: "2026-11-20T00:00:00.000Z" });
    const page = await call("/?team=client-a", MAIN);
    expect(page.text).toContain("Team client-a is tracked from organisation insights only (daily), no advice or clean-up.");
    for (const id of ["savings", "cleanup", "stacks"]) {
      expect(page.text).toMatch(new RegExp(`<section id="${id}"><h2>[^<]+</h2><p class="empty">Not analysed: tracked from organisation insights only \\(daily\\), no advice or clean-up\\.</p></section>`));
    }
  });

  it("a team's page is the whole page for its rows, with the team selector", async () => {
    const { status, text } = await call("/?team=lab", MAIN);
    expect(status).toBe(200);
    for (const id of ["summary", "budget", "daily", "by-service", "by-project", "units", "by-tag", "savings", "cleanup", "stacks", "alerts"]) expect(text).toContain(`id="${id}"`);
    expect(text).toContain("<h1>DigitalOcean cost · lab · 2026-11</h1>");
    expect(text).toContain('<a href="?team=lab" aria-current="page">lab</a>');
    expect(text).toContain('<a href="?">Organisation</a>');
    expect(text).toContain("lab-training-box");
    expect(text).not.toMatch(/<script|<form/i);
  });

  it.each([
    ["/api/v1/billing/current?team=shops", 'team must name one of the teams: shop, lab, client-a (got "shops")'],
    ["/?team=default", 'team must name one of the teams: shop, lab, client-a (got "default")'],
    [`/api/v1/billing/history?team=${"x".repeat(300)}`, `team must name one of the teams: shop, lab, client-a (got "${"x".repeat(40)}")`],
    ["/?sort=cost", 'sort must be one of spend, budget, projection, savings, name (got "cost")'],
    ["/api/v1/billing/current?sort=SPEND", 'sort must be one of spend, budget, projection, savings, name (got "SPEND")'],
    ["/?team=lab&sort=biggest", 'sort must be one of spend, budget, projection, savings, name (got "biggest")'],
  ])("%s answers 400 naming the parameter", async (path, error) => {
    const { status, body } = await call(path, MAIN);
    expect([status, body]).toEqual([400, { error }]);
  });

  it("a POST names its team: without ?team it is refused, with it it writes that team's rows only", async () => {
    const post = (path: string, authorization = MAIN) => call(path, authorization, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ amountUsd: 75, email: ["lab@example.com"] }) });
    const refused = await post("/api/v1/billing/alerts");
    expect([refused.status, refused.body.error]).toEqual([400, "team is required: an API-managed threshold belongs to one team (add ?team=<name>; teams: shop, lab, client-a)"]);
    const created = await post("/api/v1/billing/alerts?team=lab");
    expect([created.status, created.body.team, created.body.alert.id]).toEqual([201, "lab", "mtd-75"]);
    expect((await fixture.storeOf("lab").listAlerts()).map((alert) => alert.id)).toContain("mtd-75");
    for (const other of ["shop", "client-a", ORGANIZATION_LABEL, "default"]) expect((await fixture.storeOf(other).listAlerts()).map((alert) => alert.id)).not.toContain("mtd-75");

    const undismissed = await call("/api/v1/billing/suggestions/droplet-idle%3Adroplet%3A901/dismiss", MAIN, { method: "POST" });
    expect([undismissed.status, undismissed.body.error]).toEqual([400, "team is required: a suggestion belongs to one team (add ?team=<name>; teams: shop, lab, client-a)"]);
    // shop has no such suggestion: lab's stays.
    expect((await call("/api/v1/billing/suggestions/droplet-idle%3Adroplet%3A901/dismiss?team=shop", MAIN, { method: "POST" })).status).toBe(404);
    expect((await fixture.adviceOf("lab").listSuggestions()).map((s) => s.dismissed)).toEqual([false]);
  });
});

describe("a team's own password reads its team and nothing else", () => {
  it("client-a's password: every route without ?team answers for client-a, and no other team's data is in any body", async () => {
    for (const path of GET_ROUTES) {
      for (const scoped of [path, withTeam(path, "client-a")]) {
        const { status, text, body } = await call(scoped, CLIENT);
        expect([scoped, status]).toEqual([scoped, 200]);
        expect([scoped, foreignMarkers(text, "client-a")]).toEqual([scoped, []]);
        // Not even the other teams' names: the selector and the overview are not its to see.
        expect([scoped, /\bshop\b|\blab\b|organisation total|@unassigned|@organization/.test(text)]).toEqual([scoped, false]);
        if (body) expect([scoped, body.team]).toEqual([scoped, "client-a"]);
      }
    }
    const page = await call("/", CLIENT);
    expect(page.text).toContain("<h1>DigitalOcean cost · client-a · 2026-11</h1>");
    expect(page.text).not.toContain('id="team-selector"');
  });

  it("another team, an unknown team and the organisation's data answer 403, alike, without echoing the password", async () => {
    const answers = await Promise.all(["shop", "lab", "no-such-team", "default", ORGANIZATION_LABEL].flatMap((team) => GET_ROUTES.map((path) => call(withTeam(path, team), CLIENT))));
    for (const answer of answers) {
      expect([answer.status, answer.body]).toEqual([403, { error: "this password opens team client-a's view only" }]);
      expect(answer.text).not.toContain(TEAM_PASSWORDS["client-a"]);
    }
  });

  it("its POSTs write its own team's rows: another team's is 403, another team's suggestion is not found", async () => {
    const post = (path: string) => call(path, CLIENT, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ amountUsd: 33, email: ["client@example.com"] }) });
    expect((await post("/api/v1/billing/alerts?team=shop")).status).toBe(403);
    const own = await post("/api/v1/billing/alerts");
    expect([own.status, own.body.team]).toEqual([201, "client-a"]);
    expect((await fixture.storeOf("client-a").listAlerts()).map((alert) => alert.id)).toContain("mtd-33");
    expect((await fixture.storeOf("shop").listAlerts()).map((alert) => alert.id)).not.toContain("mtd-33");
    const shopSuggestion = encodeURIComponent("droplet-powered-off:droplet:101");
    expect((await call(`/api/v1/billing/suggestions/${shopSuggestion}/dismiss?team=shop`, CLIENT, { method: "POST" })).status).toBe(403);
    expect((await call(`/api/v1/billing/suggestions/${shopSuggestion}/dismiss`, CLIENT, { method: "POST" })).status).toBe(404);
    expect((await fixture.adviceOf("shop").listSuggestions()).find((s) => s.id === "droplet-powered-off:droplet:101")?.dismissed).toBe(false);
  });

  it("shop's password as a bearer token reads shop; with another username, or as part of the main password, it opens nothing", async () => {
    const { body } = await call("/api/v1/billing/current", SHOP);
    expect([body.team, body.monthToDateUsd]).toEqual(["shop", 97.1]);
    expect((await call("/api/v1/billing/current", basic("shop", TEAM_PASSWORDS.shop))).status).toBe(401);
    expect((await call("/api/v1/billing/current", `Bearer ${TEAM_PASSWORDS.shop.slice(0, -1)}`)).status).toBe(401);
    // lab has no password of its own: nobody's but the dashboard's opens it.
    expect((await call("/api/v1/billing/current?team=lab", SHOP)).status).toBe(403);
  });
});

describe("the web action with teams (main, as deployed)", () => {
  it("binds the teams and their passwords: the organisation for the dashboard's password, one team for a team's", async () => {
    const params = {
      DATABASE_URL: fixture.database.url,
      DASHBOARD_PASSWORD: PASSWORD,
      DASHBOARD_SETTINGS: JSON.stringify({ budgetMonthlyUsd: 400, thresholds: [], ...TEAMS_SETTINGS }),
      DASHBOARD_TEAM_PASSWORDS: JSON.stringify(TEAM_PASSWORDS),
      __ow_method: "get",
      __ow_path: "/api/v1/billing/current",
    };
    const organization = await main({ ...params, __ow_headers: { authorization: MAIN }, __ow_query: "" });
    expect(JSON.parse(organization.body)).toMatchObject({ team: null, teams: [expect.anything(), expect.anything(), expect.anything()] });
    const own = await main({ ...params, __ow_headers: { authorization: CLIENT }, __ow_query: "" });
    expect(JSON.parse(own.body)).toMatchObject({ team: "client-a", insightsOnly: true, budgetUsd: 300 });
    const other = await main({ ...params, __ow_headers: { authorization: CLIENT }, __ow_query: "team=shop" });
    expect(other.statusCode).toBe(403);
  });
});
