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
    expect(readDashboardEnvironment(VALID, {})).toEqual({
      databaseUrl: VALID.DATABASE_URL,
      auth: { username: "do-cost-guard", password: PASSWORD },
      budgetMonthlyUsd: 300,
      configThresholds: [
        { id: "mtd-10", amountUsd: 10 },
        { id: "mtd-50", amountUsd: 50 },
        { id: "mtd-150", amountUsd: 150 },
        { id: "mtd-200", amountUsd: 200 },
      ],
    });
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
});
