/**
 * core/validators: one row per rule, and the agreement table of issue 8 — the same Slack,
 * email, webhook and Postgres values fed to the stack config, the tracker's JSON parser and
 * the dashboard's settings reader must get the same verdict from all three.
 */
import { parseStackConfig, ConfigError } from "../../config";
import { readDashboardEnvironment } from "../../functions/src/dashboard/web-action";
import { parseTrackerConfig } from "../../functions/src/tracker/config";
import {
  dashboardPasswordProblem,
  describeValue,
  isEmailAddress,
  isLoopbackHost,
  isSecretShaped,
  postgresUrlProblem,
  redactUrlCredentials,
  slackWebhookUrlProblem,
  smtpUrlProblem,
  thresholdId,
  webhookUrlProblem,
} from "../../core/validators";

describe("rules", () => {
  it.each([
    ["ops@example.com", true],
    ["first.last+tag@sub.example.co", true],
    ["ops at example.com", false],
    ["ops@localhost", false],
    ["Ops <ops@example.com>", false],
    [`${"a".repeat(250)}@x.io`, false],
  ])("email %s → %s", (value, expected) => {
    expect(isEmailAddress(value)).toBe(expected);
  });

  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["[::1]", true],
    ["::1", true],
    ["127.0.0.256", false],
    ["128.0.0.1", false],
    ["localhost.example.com", false],
    ["10.0.0.1", false],
  ])("loopback %s → %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it.each([
    ["https://hooks.slack.com/services/T/B/x", undefined],
    ["https://slack-proxy.internal.example/hook", undefined],
    ["http://127.0.0.1:4000/slack", undefined],
    ["http://[::1]:4000/slack", undefined],
    ["http://hooks.slack.com/services/T/B/x", "must use https:// (plain http:// is allowed only to 127.0.0.1, ::1 or localhost)"],
    ["ftp://hooks.slack.com/x", "must be a Slack incoming-webhook URL (an https:// URL)"],
    ["hooks.slack.com/services/T/B/x", "must be a Slack incoming-webhook URL (an https:// URL)"],
  ])("Slack URL %s → %s", (url, problem) => {
    expect(slackWebhookUrlProblem(url)).toBe(problem);
    // Webhooks follow the same transport rule, in their own words.
    expect(webhookUrlProblem(url) === undefined).toBe(problem === undefined);
  });

  it.each([
    ["postgres://u:p@db:5432/app", undefined],
    ["postgresql://db/app", undefined],
    ["mysql://u:p@db/app", "must be a postgres:// or postgresql:// URL"],
    ["postgres://", "must name a host (postgres://user:password@host:5432/database)"],
    ["not a url", "must be a postgres:// or postgresql:// URL"],
  ])("Postgres URL %s → %s", (url, problem) => {
    expect(postgresUrlProblem(url)).toBe(problem);
  });

  it("checks SMTP URLs, passwords and threshold ids", () => {
    expect(smtpUrlProblem("smtps://u:p@smtp.example:465")).toBeUndefined();
    expect(smtpUrlProblem("https://smtp.example")).toBe("must be an smtp:// or smtps:// URL");
    expect(dashboardPasswordProblem("x".repeat(16))).toBeUndefined();
    expect(dashboardPasswordProblem("x".repeat(15))).toBe("must be at least 16 characters");
    expect(thresholdId(150)).toBe("mtd-150");
    expect(thresholdId(12.5)).toBe("mtd-12.5");
  });

  it("never lets a problem string contain the value it judged", () => {
    const secret = "http://hooks.slack.com/services/T0SECRET/B0/x";
    for (const problem of [slackWebhookUrlProblem(secret), webhookUrlProblem(secret), postgresUrlProblem(secret), smtpUrlProblem(secret)]) {
      expect(problem).toBeDefined();
      expect(problem).not.toContain("T0SECRET");
    }
  });

  it("hides secret-shaped values and cuts long ones when describing them", () => {
    expect(isSecretShaped("postgres://user:PASSWORD@db/app")).toBe(true);
    expect(isSecretShaped(`dop_v1_${"ab".repeat(32)}`)).toBe(true);
    expect(isSecretShaped("3f1c9a52-7d4e-4b8a-9c61-2e5f0d8b7a14")).toBe(false);
    expect(isSecretShaped("finance(at)forkline")).toBe(false);
    expect(describeValue("postgres://user:PASSWORD@db/app")).toBe("a value that looks secret (not shown)");
    expect(describeValue({ url: "https://hooks.slack.com/x", n: 1 })).toBe('{"url":"(not shown)","n":1}');
    expect(describeValue("k".repeat(10 * 1024 * 1024)).length).toBeLessThanOrEqual(60);
    expect(describeValue(undefined)).toBe("nothing");
    expect(redactUrlCredentials("connect postgres://user:PASSWORD@db:5432/app failed")).toBe("connect postgres://user:***@db:5432/app failed");
  });
});

// The three entry points, each asked about one value in its own place.
const SLACK_OK = "https://hooks.slack.com/services/T0/B0/x";
const PG_OK = "postgres://tracker:pw@db.forkline.example:25060/costs";

function stackAccepts(patch: Record<string, unknown>): boolean {
  const raw: Record<string, unknown> = {
    alertEmails: ["oncall@forkline.example"],
    alertSlackChannel: "#ops-alerts",
    alertSlackWebhookUrl: SLACK_OK,
    trackerDigitalOceanToken: "dop_v1_test_only_not_a_real_token",
    trackerDatabaseUrl: PG_OK,
    trackerSmtpUrl: "smtps://billing:pw@smtp.forkline.example:465",
    dashboardPassword: "correct horse battery staple",
    billing: { budgetMonthlyUsd: 450, email: { from: "billing@forkline.example" } },
    ...patch,
  };
  try {
    parseStackConfig((k) => (raw[k] === undefined ? undefined : typeof raw[k] === "string" ? (raw[k] as string) : JSON.stringify(raw[k])));
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return false;
  }
}

function trackerAccepts(config: Record<string, unknown>): boolean {
  try {
    parseTrackerConfig({ budgetMonthlyUsd: 450, email: { from: "billing@forkline.example" }, ...config });
    return true;
  } catch {
    return false;
  }
}

function dashboardAccepts(params: Record<string, unknown>): boolean {
  const settings = { budgetMonthlyUsd: 450, thresholds: [{ id: "mtd-10", amountUsd: 10 }] };
  try {
    readDashboardEnvironment({ DATABASE_URL: PG_OK, DASHBOARD_PASSWORD: "correct horse battery staple", DASHBOARD_SETTINGS: JSON.stringify(settings), ...params }, {});
    return true;
  } catch {
    return false;
  }
}

describe("stack, tracker and dashboard agree", () => {
  it.each([
    "https://hooks.slack.com/services/T0/B0/x",
    "https://slack-proxy.forkline.example/hook",
    "http://127.0.0.1:4000/slack",
    "http://hooks.slack.com/services/T0/B0/x",
    "http://hooks.internal.example/hook",
    "hooks.slack.com/services/T0/B0/x",
    "ftp://hooks.slack.com/x",
  ])("on the Slack webhook URL %s", (url) => {
    const expected = slackWebhookUrlProblem(url) === undefined;
    expect(stackAccepts({ alertSlackWebhookUrl: url })).toBe(expected);
    expect(trackerAccepts({ recipients: { slack: [{ channel: "#ops", url }] } })).toBe(expected);
    // The dashboard's POST body takes the Slack target through the same schema (core/tracker-settings slackTargetSchema).
    expect(trackerAccepts({ thresholds: [{ amountUsd: 10, slack: [{ channel: "#ops", url }] }], forecast: { enabled: false }, spikes: { enabled: false } })).toBe(expected);
  });

  it.each(["ops@forkline.example", "first.last+tag@forkline.co", "ops at forkline.example", "ops@localhost", "Ops <ops@forkline.example>"])("on the email address %s", (address) => {
    const expected = isEmailAddress(address);
    expect(stackAccepts({ alertEmails: [address] })).toBe(expected);
    expect(stackAccepts({ billing: { budgetMonthlyUsd: 450, email: { from: "billing@forkline.example" }, thresholds: [{ amountUsd: 10, email: [address] }] } })).toBe(expected);
    expect(trackerAccepts({ recipients: { email: [address] } })).toBe(expected);
  });

  it.each(["https://hooks.forkline.example/costs", "http://127.0.0.1:9000/costs", "http://hooks.forkline.example/costs", "mailto:ops@forkline.example"])("on the webhook URL %s", (url) => {
    const expected = webhookUrlProblem(url) === undefined;
    expect(stackAccepts({ billing: { budgetMonthlyUsd: 450, email: { from: "billing@forkline.example" }, thresholds: [{ amountUsd: 10, webhook: [url] }] } })).toBe(expected);
    expect(trackerAccepts({ recipients: { webhook: [url] } })).toBe(expected);
  });

  it.each([PG_OK, "postgresql://db.forkline.example/costs", "mysql://u:p@db/costs", "postgres://", "db.forkline.example:5432"])("on the Postgres URL %s", (url) => {
    const expected = postgresUrlProblem(url) === undefined;
    expect(stackAccepts({ trackerDatabaseUrl: url })).toBe(expected);
    expect(dashboardAccepts({ DATABASE_URL: url })).toBe(expected);
    expect(trackerAccepts({ recipients: { email: ["ops@forkline.example"] }, units: { name: "restaurant", source: { kind: "sql", databaseUrl: url, query: "select 1" } } })).toBe(expected);
  });

  it.each([["x".repeat(15)], ["x".repeat(16)], ["correct horse battery staple"]])("on the dashboard password %s", (password) => {
    const expected = dashboardPasswordProblem(password) === undefined;
    expect(stackAccepts({ dashboardPassword: password })).toBe(expected);
    expect(dashboardAccepts({ DASHBOARD_PASSWORD: password })).toBe(expected);
  });
});
