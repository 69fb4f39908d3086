import { bodyExceeds, MAX_REQUEST_BODY_BYTES } from "../../../functions/src/dashboard/body-limit";
import { main, readDashboardEnvironment, requestFromParams } from "../../../functions/src/dashboard/web-action";
import { basic, PASSWORD, startDashboard, USERNAME, type DashboardFixture } from "./dashboard-fixture";

const TRACKER_CONFIG = {
  budgetMonthlyUsd: 300,
  recipients: { email: ["ops@example.com"], slack: [{ channel: "#billing", url: "https://hooks.slack.com/services/T0/B0/SECRETSECRET" }] },
  email: { from: "cost-guard@example.com" },
};
const VALID = {
  DATABASE_URL: "postgres://dash:pw@db.example:25060/costs",
  DASHBOARD_PASSWORD: PASSWORD,
  TRACKER_CONFIG: JSON.stringify(TRACKER_CONFIG),
};

describe("readDashboardEnvironment", () => {
  it("reads the settings into a typed object: budget and the config's threshold ladder ($10/$50/$150/$200 by default)", () => {
    const ladder = [
      { id: "mtd-10", amountUsd: 10 },
      { id: "mtd-50", amountUsd: 50 },
      { id: "mtd-150", amountUsd: 150 },
      { id: "mtd-200", amountUsd: 200 },
    ];
    expect(readDashboardEnvironment(VALID, {})).toEqual({
      databaseUrl: VALID.DATABASE_URL,
      auth: { username: "do-cost-guard", password: PASSWORD },
      budgetMonthlyUsd: 300,
      configThresholds: ladder,
      // A single-team config is its one implicit team, with no password of its own.
      teams: [{ name: "default", budgetMonthlyUsd: 300, thresholds: ladder, insightsOnly: false }],
      teamPasswords: new Map(),
      timeZone: "UTC",
      cleanup: { enabled: false, apply: false },
    });
  });

  it("reads the time zone, the runbook and the clean-up mode from DASHBOARD_SETTINGS (what the stack binds), and refuses a zone that is not one", () => {
    const settings = { budgetMonthlyUsd: 300, thresholds: [], timeZone: "Europe/Berlin", runbookUrl: "https://docs.forkline.example/runbook.html" };
    const read = readDashboardEnvironment({ ...VALID, TRACKER_CONFIG: undefined, DASHBOARD_SETTINGS: JSON.stringify(settings) }, {});
    expect([read.timeZone, read.runbookUrl]).toEqual(["Europe/Berlin", "https://docs.forkline.example/runbook.html"]);
    const withoutZone = readDashboardEnvironment({ ...VALID, TRACKER_CONFIG: undefined, DASHBOARD_SETTINGS: JSON.stringify({ budgetMonthlyUsd: 300, thresholds: [] }) }, {});
    expect([withoutZone.timeZone, withoutZone.runbookUrl, withoutZone.cleanup]).toEqual(["UTC", undefined, undefined]);
    const dryRun = readDashboardEnvironment({ ...VALID, TRACKER_CONFIG: undefined, DASHBOARD_SETTINGS: JSON.stringify({ ...settings, cleanup: { enabled: true, apply: false } }) }, {});
    expect(dryRun.cleanup).toEqual({ enabled: true, apply: false });
    expect(() => readDashboardEnvironment({ ...VALID, TRACKER_CONFIG: undefined, DASHBOARD_SETTINGS: JSON.stringify({ ...settings, timeZone: "Berlin" }) }, {})).toThrow(
      'DASHBOARD_SETTINGS: timeZone must be an IANA time zone name like "UTC" or "Europe/Berlin" (got "Berlin")',
    );
  });

  it("takes TRACKER_CONFIG as an object, a custom username, and falls back to the environment", () => {
    const env = { DATABASE_URL: VALID.DATABASE_URL, DASHBOARD_USERNAME: "finance" };
    const read = readDashboardEnvironment({ DASHBOARD_PASSWORD: PASSWORD, TRACKER_CONFIG }, env);
    expect([read.databaseUrl, read.auth]).toEqual([VALID.DATABASE_URL, { username: "finance", password: PASSWORD }]);
  });

  it.each([
    ["no DATABASE_URL", { ...VALID, DATABASE_URL: undefined }, "DATABASE_URL must be set to a postgres:// or postgresql:// URL"],
    ["a DATABASE_URL that is not postgres", { ...VALID, DATABASE_URL: "mysql://u:hunter2@h/db" }, "DATABASE_URL must be set to a postgres:// or postgresql:// URL"],
    ["a short password", { ...VALID, DASHBOARD_PASSWORD: "hunter2" }, "DASHBOARD_PASSWORD must be set to at least 16 characters"],
    ["a username with a colon", { ...VALID, DASHBOARD_USERNAME: "a:b" }, "DASHBOARD_USERNAME must be a non-empty name without ':'"],
    ["no TRACKER_CONFIG", { ...VALID, TRACKER_CONFIG: undefined }, "TRACKER_CONFIG must be set to the tracker's JSON config"],
    ["TRACKER_CONFIG that is not JSON", { ...VALID, TRACKER_CONFIG: "{budget: 1" }, "TRACKER_CONFIG is not valid JSON"],
  ])("rejects %s, naming the parameter and never its value", (_case, params, message) => {
    expect(() => readDashboardEnvironment(params, {})).toThrow(message);
    try {
      readDashboardEnvironment(params, {});
    } catch (error) {
      expect((error as Error).message).not.toMatch(/hunter2|pw@/);
    }
  });

  it("passes on the tracker config's problems by JSON path without echoing a Slack URL", () => {
    const config = { ...TRACKER_CONFIG, budgetMonthlyUsd: -5, recipients: { slack: [{ channel: "#b", url: "http://hooks.example/SECRETSECRET" }] } };
    expect(() => readDashboardEnvironment({ ...VALID, TRACKER_CONFIG: JSON.stringify(config) }, {})).toThrow(/^TRACKER_CONFIG: tracker config is invalid[\s\S]*budgetMonthlyUsd must be a positive number of US dollars \(got -5\)/);
    expect(() => readDashboardEnvironment({ ...VALID, TRACKER_CONFIG: JSON.stringify(config) }, {})).not.toThrow(/SECRETSECRET/);
  });
});

describe("readDashboardEnvironment with teams", () => {
  const TEAM_SECRET = "staging-view-Zq8#pw-4711-long";
  const teamsSettings = {
    budgetMonthlyUsd: 450,
    thresholds: [{ id: "mtd-10", amountUsd: 10 }],
    teams: [
      { name: "production", budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }] },
      { name: "staging", budgetMonthlyUsd: 60, thresholds: [{ id: "mtd-30", amountUsd: 30 }], insightsOnly: true },
    ],
    organization: { budgetMonthlyUsd: 510, thresholds: [] },
  };
  const withTeams = { DATABASE_URL: VALID.DATABASE_URL, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_SETTINGS: JSON.stringify(teamsSettings) };

  it("reads each team's budget, thresholds and insights-only mark, the organisation's, and the team passwords (text or object)", () => {
    const read = readDashboardEnvironment({ ...withTeams, DASHBOARD_TEAM_PASSWORDS: JSON.stringify({ staging: TEAM_SECRET }) }, {});
    expect(read.teams).toEqual([
      { name: "production", budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }], insightsOnly: false },
      { name: "staging", budgetMonthlyUsd: 60, thresholds: [{ id: "mtd-30", amountUsd: 30 }], insightsOnly: true },
    ]);
    expect(read.organization).toEqual({ budgetMonthlyUsd: 510, thresholds: [] });
    expect(read.teamPasswords).toEqual(new Map([["staging", TEAM_SECRET]]));
    expect(readDashboardEnvironment({ ...withTeams, DASHBOARD_TEAM_PASSWORDS: { staging: TEAM_SECRET } }, {}).teamPasswords.get("staging")).toBe(TEAM_SECRET);
    expect(readDashboardEnvironment(withTeams, {}).teamPasswords).toEqual(new Map());
  });

  it.each([
    ["team passwords that are not JSON", `{"staging": "${TEAM_SECRET}"`, "DASHBOARD_TEAM_PASSWORDS is not valid JSON: it must be an object of team name → secret"],
    ["a password for no team", JSON.stringify({ stagin: TEAM_SECRET }), "DASHBOARD_TEAM_PASSWORDS.stagin names no team (teams: production, staging)"],
    ["a short team password", JSON.stringify({ staging: "Zq8#pw-4711" }), "DASHBOARD_TEAM_PASSWORDS.staging must be at least 16 characters"],
    ["the dashboard's own password", JSON.stringify({ staging: PASSWORD }), "DASHBOARD_TEAM_PASSWORDS.staging must differ from DASHBOARD_PASSWORD: one password must open one view"],
  ])("rejects %s, naming the parameter and never a password", (_case, passwords, message) => {
    let thrown: unknown;
    try {
      readDashboardEnvironment({ ...withTeams, DASHBOARD_TEAM_PASSWORDS: passwords }, {});
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toBe(message);
    expect((thrown as Error).message).not.toMatch(/Zq8#pw|correct horse/i);
    expect((thrown as Error).message).not.toContain(PASSWORD);
  });

  it("never merges the team passwords into a non-raw action's request fields", () => {
    const request = requestFromParams({ ...withTeams, DASHBOARD_TEAM_PASSWORDS: JSON.stringify({ staging: TEAM_SECRET }), __ow_method: "post", __ow_path: "", __ow_headers: {}, amountUsd: 75 });
    expect(request.body).toEqual({ amountUsd: 75 });
    expect(JSON.stringify(request)).not.toContain(TEAM_SECRET);
  });
});

describe("requestFromParams", () => {
  it("maps a raw web action's __ow_* fields", () => {
    expect(
      requestFromParams({
        ...VALID,
        __ow_method: "post",
        __ow_path: "/api/v1/billing/alerts",
        __ow_headers: { authorization: "Bearer x", "content-type": "application/json" },
        __ow_query: "from=2026-11-01&to=2026-11-03",
        __ow_body: '{"amountUsd":75}',
      }),
    ).toEqual({
      method: "POST",
      path: "/api/v1/billing/alerts",
      headers: { authorization: "Bearer x", "content-type": "application/json" },
      query: { from: "2026-11-01", to: "2026-11-03" },
      body: '{"amountUsd":75}',
    });
  });

  it("decodes a base64 raw body", () => {
    const body = Buffer.from('{"amountUsd":75}').toString("base64");
    expect(requestFromParams({ __ow_method: "post", __ow_path: "/x", __ow_headers: {}, __ow_query: "", __ow_body: body }).body).toBe('{"amountUsd":75}');
  });

  it("collects a non-raw action's merged query and body fields, leaving the settings out", () => {
    const request = requestFromParams({ ...VALID, __ow_method: "post", __ow_path: "", __ow_headers: {}, amountUsd: 75, email: ["a@example.com"], from: "2026-11-01" });
    expect(request.query).toEqual({ from: "2026-11-01" });
    expect(request.body).toEqual({ amountUsd: 75, email: ["a@example.com"], from: "2026-11-01" });
    expect([request.method, request.path]).toEqual(["POST", ""]);
  });
});

describe("requestFromParams keeps a __proto__ field a field", () => {
  // What OpenWhisk hands a non-raw action for a JSON body {"__proto__": {...}}: JSON.parse makes
  // it an own key, and merging it into a plain {} would turn it into the fields' prototype.
  const smuggled = JSON.parse('{"__proto__": {"amountUsd": 76, "email": ["a@example.com"]}}') as Record<string, unknown>;

  it("in a non-raw action's merged body and query", () => {
    const request = requestFromParams({ ...VALID, __ow_method: "post", __ow_path: "/api/v1/billing/alerts", __ow_headers: {}, ...smuggled, to: "2026-11-01" });
    const body = request.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["__proto__", "to"]);
    expect(body.amountUsd).toBeUndefined();
    const query = requestFromParams({ __ow_method: "get", __ow_path: "", __ow_headers: {}, ...JSON.parse('{"__proto__": "x"}') }).query;
    expect(Object.keys(query)).toEqual(["__proto__"]);
  });

  it("in a raw action's query", () => {
    const query = requestFromParams({ __ow_method: "get", __ow_path: "", __ow_headers: {}, __ow_query: "__proto__=x&to=2026-11-01" }).query;
    expect(Object.entries(query)).toEqual([["__proto__", "x"], ["to", "2026-11-01"]]);
  });
});

describe("requestFromParams and the body cap", () => {
  /** A non-raw action's params with `count` fields `f0…` whose JSON object is exactly `bytes` long. */
  function fieldsOfSize(count: number, bytes: number): Record<string, string> {
    const fields: Record<string, string> = {};
    for (let i = 0; i < count; i++) fields[`f${i}`] = "";
    fields.f0 = "x".repeat(bytes - Buffer.byteLength(JSON.stringify(fields)));
    expect(Buffer.byteLength(JSON.stringify(fields))).toBe(bytes);
    return fields;
  }

  it("copies merged fields up to the cap exactly, so the handler measures the same size the client sent", () => {
    const atCap = requestFromParams({ ...VALID, __ow_method: "post", __ow_path: "", __ow_headers: {}, ...fieldsOfSize(3000, MAX_REQUEST_BODY_BYTES) });
    expect(Object.keys(atCap.body as object)).toHaveLength(3000);
    expect(bodyExceeds(atCap.body!)).toBe(false);
    const over = requestFromParams({ ...VALID, __ow_method: "post", __ow_path: "", __ow_headers: {}, ...fieldsOfSize(3000, MAX_REQUEST_BODY_BYTES + 1) });
    expect(bodyExceeds(over.body!)).toBe(true);
  });

  it("stops copying 200,000 merged fields once past the cap, keeping what it copied over the cap", () => {
    const params: Record<string, unknown> = { ...VALID, __ow_method: "post", __ow_path: "", __ow_headers: {} };
    for (let i = 0; i < 200_000; i++) params[`unknown${i}`] = i;
    const request = requestFromParams(params);
    expect(Object.keys(request.body as object).length).toBeLessThan(5000);
    expect(bodyExceeds(request.body!)).toBe(true);
  });

  it("decodes a base64 body that can fit the cap and passes a longer one on as it came, not decoded into a copy", () => {
    const fits = Buffer.alloc(MAX_REQUEST_BODY_BYTES, "a").toString("base64");
    expect(requestFromParams({ __ow_method: "post", __ow_path: "", __ow_headers: {}, __ow_body: fits }).body).toBe("a".repeat(MAX_REQUEST_BODY_BYTES));
    // Three bytes more is one base64 group more than the cap can hold.
    const over = Buffer.alloc(MAX_REQUEST_BODY_BYTES + 3, "a").toString("base64");
    expect(requestFromParams({ __ow_method: "post", __ow_path: "", __ow_headers: {}, __ow_body: over }).body).toBe(over);
  });
});

describe("main against Postgres", () => {
  let fixture: DashboardFixture;
  beforeAll(async () => {
    fixture = await startDashboard(__filename);
  });
  afterAll(() => fixture.close());

  it("answers 500 with a generic message when misconfigured, without echoing any value, then works once the settings are right", async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    try {
      const misconfigured = await main({ ...VALID, DATABASE_URL: fixture.database.url, DASHBOARD_PASSWORD: "short", __ow_method: "get", __ow_path: "", __ow_headers: {} });
      expect([misconfigured.statusCode, JSON.parse(misconfigured.body)]).toEqual([500, { error: "the dashboard is misconfigured; its logs name the setting to fix" }]);
      expect(errors).toEqual(["dashboard is misconfigured: DASHBOARD_PASSWORD must be set to at least 16 characters"]);

      const params = { ...VALID, DATABASE_URL: fixture.database.url };
      const unauthenticated = await main({ ...params, __ow_method: "get", __ow_path: "/api/v1/billing/current", __ow_headers: {} });
      expect(unauthenticated.statusCode).toBe(401);

      const current = await main({ ...params, __ow_method: "get", __ow_path: "/api/v1/billing/current", __ow_headers: { authorization: basic(USERNAME, PASSWORD) } });
      expect(current.statusCode).toBe(200);
      // main runs on the real clock, so only the config-derived figures are pinned here.
      expect(JSON.parse(current.body)).toMatchObject({ budgetUsd: 300, billingMonth: new Date().toISOString().slice(0, 7) });

      // Clean-up's marks come from the store, its mode from the settings (TRACKER_CONFIG's: off).
      const cleanup = await main({ ...params, __ow_method: "get", __ow_path: "/api/v1/billing/cleanup", __ow_headers: { authorization: basic(USERNAME, PASSWORD) } });
      const marks = JSON.parse(cleanup.body) as { settings: unknown; marks: { resource: { name: string } }[] };
      expect([cleanup.statusCode, marks.settings]).toEqual([200, { enabled: false, apply: false }]);
      expect(marks.marks.map((mark) => mark.resource.name)).toContain("old-data");

      // mtd-10 is in the default ladder of TRACKER_CONFIG: config is authoritative.
      const conflict = await main({
        ...params,
        __ow_method: "post",
        __ow_path: "/api/v1/billing/alerts",
        __ow_headers: { authorization: `Bearer ${PASSWORD}`, "content-type": "application/json" },
        __ow_query: "",
        __ow_body: JSON.stringify({ amountUsd: 10, enabled: false }),
      });
      expect(conflict.statusCode).toBe(409);
    } finally {
      spy.mockRestore();
    }
  });

  // After the misconfiguration test above: main keeps its first good settings while warm.
  const post = (extra: Record<string, unknown>) =>
    main({ ...VALID, DATABASE_URL: fixture.database.url, __ow_method: "post", __ow_path: "/api/v1/billing/alerts", __ow_headers: { authorization: `Bearer ${PASSWORD}`, "content-type": "application/json" }, ...extra });

  it("refuses a __proto__ field that carries a threshold, raw or not, and stores nothing", async () => {
    const smuggled = '{"__proto__": {"amountUsd": 76, "email": ["a@example.com"]}}';
    const nonRaw = await post(JSON.parse(smuggled) as Record<string, unknown>);
    const raw = await post({ __ow_query: "", __ow_body: smuggled });
    for (const response of [nonRaw, raw]) {
      expect([response.statusCode, JSON.parse(response.body)]).toEqual([400, { error: "amountUsd must be a positive number of US dollars; the request body has unknown key __proto__ (allowed: amountUsd, email, slack, enabled)" }]);
    }
    expect((await fixture.store.listAlerts()).some((alert) => alert.id === "mtd-76")).toBe(false);
  });

  it("answers 413 to a body over 64 KiB in each form a web action receives it: raw text, raw base64 and merged fields", async () => {
    const fields: Record<string, unknown> = { amountUsd: 81, email: ["a@example.com"], note: "n".repeat(MAX_REQUEST_BODY_BYTES) };
    const text = JSON.stringify(fields);
    const answers = [
      await post({ __ow_query: "", __ow_body: text }),
      await post({ __ow_query: "", __ow_body: Buffer.from(text).toString("base64") }),
      await post({ __ow_body: Buffer.from("x".repeat(10 * 1024 * 1024)).toString("base64") }),
      await post(fields),
    ];
    expect(answers.map((a) => [a.statusCode, a.body])).toEqual(Array(4).fill([413, JSON.stringify({ error: "the request body is larger than 64 KiB" })]));
    expect((await fixture.store.listAlerts()).some((alert) => alert.id === "mtd-81")).toBe(false);
  });

  it("answers a history date before 2000 with 400 through the action too", async () => {
    const response = await main({ ...VALID, DATABASE_URL: fixture.database.url, __ow_method: "get", __ow_path: "/api/v1/billing/history", __ow_headers: { authorization: `Bearer ${PASSWORD}` }, __ow_query: "to=0100-01-10" });
    expect([response.statusCode, JSON.parse(response.body)]).toEqual([400, { error: 'to must be 2000-01-01 or later (got "0100-01-10")' }]);
  });

});
