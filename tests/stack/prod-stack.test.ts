/**
 * index.ts with Pulumi.prod.yaml under the recording mocks: the deployed tracker's settings
 * carry the App Platform target as an app watch (issue 8: `appWatches` used to reach only the
 * stack's outputs), the example's two teams (production, staging) with their own settings and
 * tokens reach the tracker's and the dashboard's parameters (issue 15), each action is bound
 * only the parameters it reads, and the settings the stack binds are the ones the tracker's own
 * parser accepts.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DigitalOceanClient } from "../../functions/src/digitalocean/client";
import { deliverPending } from "../../functions/src/notify/outbox";
import { createWebhookTransport } from "../../functions/src/notify/webhook";
import { CostStore } from "../../functions/src/store/cost-store";
import { createPostgresClient } from "../../functions/src/store/pg-client";
import { checkApps, memoryIncidentKey } from "../../functions/src/tracker/app-health";
import { readSettings } from "../../functions/packages/cost-tracker/tracker";
import { readDashboardEnvironment } from "../../functions/src/dashboard/web-action";
import { parseTrackerConfig } from "../../functions/src/tracker/config";
import { startFakeDigitalOcean } from "../support/fake-do-api";
import { startHttpReceiver } from "../support/http-receiver";
import { createTestDatabase } from "../support/postgres";
import { runStackProgram } from "../support/stack-program";

const STOREFRONT_APP_ID = "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25";
// Distinct stand-ins for the stack's secrets (the offline placeholders are alike), only ever parsed.
const SECRETS = {
  trackerOrganizationToken: "dop_v1_organization-token-not-real",
  // As `pulumi config set --secret --path 'trackerTeamTokens.production'` leaves it: staging has no token of its own.
  trackerTeamTokens: { production: "dop_v1_production-token-not-real" },
  dashboardTeamPasswords: { staging: "staging-dashboard-secret-7-long" },
  trackerSmtpUrl: "smtps://mailer:smtp-secret-7@127.0.0.1:465",
  alertSlackWebhookUrl: "https://hooks.slack.com/services/T0/B0/slack-secret-7",
  trackerDatabaseUrl: "postgres://tracker:db-secret-7@127.0.0.1:5432/costs",
  dashboardPassword: "dashboard-secret-7-long-enough",
};
const OPS = ["oncall@forkline.example", "finance@forkline.example"];
const OPS_SLACK = { channel: "#ops-alerts", url: SECRETS.alertSlackWebhookUrl };
// Pulumi's wire encoding of a secret value (sdk/nodejs/runtime/rpc.ts specialSigKey / specialSecretSig).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value with Pulumi's secret wrappers removed, at any depth. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
}

describe("index.ts with Pulumi.prod.yaml", () => {
  let trackerSettings: Record<string, unknown>;
  let parameters: (action: string) => Record<string, string>;
  let run: Awaited<ReturnType<typeof runStackProgram>>;
  beforeAll(async () => {
    run = await runStackProgram("prod", SECRETS);
    parameters = (action) => {
      const resource = run.resources.find((r) => r.name === `cost-tracker-${action}`);
      if (!resource) throw new Error(`no cost-tracker-${action} resource`);
      return unwrapSecrets(resource.engineInputs.parameters) as Record<string, string>;
    };
    trackerSettings = JSON.parse(parameters("tracker").TRACKER_CONFIG!);
  });

  it("binds the storefront App Platform target into the tracker's settings as an app watch", () => {
    const settings = JSON.parse(parameters("tracker").TRACKER_CONFIG!);
    expect(settings.apps).toEqual([{ name: "storefront", appId: STOREFRONT_APP_ID, memoryThresholdPercent: 80, window: "5m", team: "production" }]);
    // What the deployed action will make of it: the same parser, the stack's destinations as the audience.
    const resolved = parseTrackerConfig(settings);
    expect(resolved.apps).toEqual([
      {
        name: "storefront",
        appId: STOREFRONT_APP_ID,
        memoryThresholdPercent: 80,
        window: "5m",
        windowMinutes: 5,
        team: "production",
        recipients: { email: OPS, slack: [OPS_SLACK], webhook: [] },
      },
    ]);
    expect(resolved.thresholds.map((t) => [t.id, t.recipients.email])).toEqual([
      ["mtd-10", ["oncall@forkline.example", "finance@forkline.example"]],
      ["mtd-50", ["oncall@forkline.example", "finance@forkline.example"]],
      ["mtd-150", ["finance@forkline.example", "oncall@forkline.example"]],
      ["mtd-200", ["cto@forkline.example", "finance@forkline.example"]],
    ]);
    expect(resolved.email.from).toBe("Forkline cost guard <billing@forkline.example>");
  });

  it("deploys the tracker with a 600 s timeout, within DigitalOcean's 900 s, on 3 schedules, and estimates its own cost inside the free allowance", () => {
    const tracker = run.resources.find((r) => r.name === "cost-tracker-tracker");
    // Enough for the hourly check and its full advice slice (1,080 requests paced at 200 a minute: 300 s) with as much again to spare.
    expect(tracker?.engineInputs.limits).toEqual({ timeoutMs: 600_000, memoryMb: 256 });
    expect(run.outputs.trackerSchedules).toEqual(["cost-tracker-check", "cost-tracker-daily", "cost-tracker-weekly"]);
    // Every run assumed to spend its whole slice (a large account): still under the 90,000 free GiB-seconds.
    const cost = run.outputs.trackerMonthlyCost as { usd: number; gibSeconds: number; freeGiBSeconds: number };
    expect(cost.gibSeconds).toBeGreaterThan(50_000);
    expect(cost.gibSeconds).toBeLessThan(cost.freeGiBSeconds);
    expect(cost.usd).toBe(0);
  });

  it("gives the deployed advisor the tag requirement the policy pack enforces (policy-config.json)", () => {
    const packConfig = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "policy-config.json"), "utf8"));
    expect(JSON.parse(parameters("tracker").TRACKER_CONFIG!).advice.requireTags).toEqual(packConfig["do-resource-require-tags"]);
  });

  it("gives each team its own settings in the tracker's parameters: production inherits, staging has its own budget, ladder and recipients", () => {
    const resolved = parseTrackerConfig(trackerSettings);
    expect(resolved.organizationUrn).toBe("do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904");
    expect(resolved.teams.map((team) => [team.name, team.urn, team.budgetMonthlyUsd, team.thresholds.map((t) => t.id)])).toEqual([
      ["production", "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", 450, ["mtd-10", "mtd-50", "mtd-150", "mtd-200"]],
      ["staging", "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f", 60, ["mtd-30", "mtd-60"]],
    ]);
    const [production, staging] = resolved.teams;
    expect(production!.recipients).toEqual({ email: OPS, slack: [OPS_SLACK], webhook: [] });
    // Staging's own recipient replaces the alert emails, and the ops Slack channel still hears.
    for (const audience of [staging!.recipients, staging!.thresholds[0]!.recipients, staging!.forecast.recipients, staging!.reports.weekly.recipients]) {
      expect(audience).toEqual({ email: ["staging-leads@forkline.example"], slack: [OPS_SLACK], webhook: [] });
    }
    expect(resolved.organization).toEqual({
      budgetMonthlyUsd: 510,
      thresholds: [{ id: "mtd-500", amountUsd: 500, recipients: { email: ["cto@forkline.example", "finance@forkline.example"], slack: [OPS_SLACK], webhook: [] } }],
      recipients: { email: OPS, slack: [OPS_SLACK], webhook: [] },
    });
  });

  it("binds the organisation token and the team tokens to the tracker, and what the action reads from them marks staging insights-only", () => {
    const tracker = parameters("tracker");
    expect(Object.keys(tracker).sort()).toEqual(["DATABASE_URL", "DIGITALOCEAN_ORGANIZATION_TOKEN", "DIGITALOCEAN_TEAM_TOKENS", "SMTP_URL", "TRACKER_CONFIG"]);
    expect(tracker).toMatchObject({ DIGITALOCEAN_ORGANIZATION_TOKEN: SECRETS.trackerOrganizationToken, SMTP_URL: SECRETS.trackerSmtpUrl });
    expect(JSON.parse(tracker.DIGITALOCEAN_TEAM_TOKENS!)).toEqual(SECRETS.trackerTeamTokens);
    // The deployed action's own reading of its parameters.
    const { credentials } = readSettings(tracker);
    expect(credentials).toEqual({
      organizationToken: SECRETS.trackerOrganizationToken,
      teams: [
        { team: "production", readToken: SECRETS.trackerTeamTokens.production, insightsOnly: false },
        { team: "staging", insightsOnly: true },
      ],
    });
  });

  it("gives the dashboard each team's budget and thresholds and staging's password, and none of the tracker's secrets", () => {
    const dashboard = parameters("dashboard");
    expect(Object.keys(dashboard).sort()).toEqual(["DASHBOARD_PASSWORD", "DASHBOARD_SETTINGS", "DASHBOARD_TEAM_PASSWORDS", "DATABASE_URL"]);
    const ladder = (...amounts: number[]) => amounts.map((amountUsd) => ({ id: `mtd-${amountUsd}`, amountUsd }));
    expect(JSON.parse(dashboard.DASHBOARD_SETTINGS!)).toEqual({
      budgetMonthlyUsd: 450,
      thresholds: ladder(10, 50, 150, 200),
      teams: [
        { name: "production", budgetMonthlyUsd: 450, thresholds: ladder(10, 50, 150, 200), insightsOnly: false },
        { name: "staging", budgetMonthlyUsd: 60, thresholds: ladder(30, 60), insightsOnly: true },
      ],
      organization: { budgetMonthlyUsd: 510, thresholds: ladder(500) },
      // billing.timeZone and billing.runbookUrl: how the dashboard writes times and where its alerts link.
      timeZone: "Europe/Berlin",
      runbookUrl: "https://docs.forkline.example/do-cost-guard/runbook.md",
      // billing.cleanup: the page says clean-up is off rather than "nothing marked".
      cleanup: { enabled: false, apply: false },
    });
    expect(readDashboardEnvironment(dashboard, {}).teamPasswords).toEqual(new Map(Object.entries(SECRETS.dashboardTeamPasswords)));
    expect(dashboard.DATABASE_URL).toBe(SECRETS.trackerDatabaseUrl);
    const trackerSecrets = [SECRETS.trackerOrganizationToken, SECRETS.trackerTeamTokens.production, SECRETS.trackerSmtpUrl, "slack-secret-7"];
    for (const secret of trackerSecrets) expect(JSON.stringify(dashboard)).not.toContain(secret);
    expect(JSON.stringify(parameters("tracker"))).not.toContain(SECRETS.dashboardTeamPasswords.staging);
  });

  it("exports the teams the tracker watches, with no token or password", () => {
    expect(run.outputs.trackerTeams).toEqual(JSON.parse(parameters("dashboard").DASHBOARD_SETTINGS!).teams);
  });

  it("with those settings, the tracker's check alerts on the storefront's memory samples", async () => {
    const MINUTE = 60_000;
    const [fake, receiver, database] = await Promise.all([startFakeDigitalOcean(), startHttpReceiver(), createTestDatabase(__filename)]);
    const db = createPostgresClient({ connectionString: database.url });
    try {
      // The fake knows the storefront by the stack's app id; its memory is 92 % from 00:40, above the stack's 80 %.
      const seed = fake.state.apps[0]!;
      fake.state.apps.push({ ...seed, id: STOREFRONT_APP_ID, spec: { ...seed.spec, name: "storefront" } });
      const values: [number, string][] = [];
      for (let t = Date.parse("2026-03-14T23:00:00Z"); t <= Date.parse("2026-03-15T01:00:00Z"); t += MINUTE) values.push([t / 1000, t >= Date.parse("2026-03-15T00:40:00Z") ? "92" : "50"]);
      fake.state.appMetrics[STOREFRONT_APP_ID] = { memory_percentage: [{ metric: { app_component: "web", app_component_instance: "web-0" }, values }] };
      // The stack's settings as bound, with the audience swapped for a local receiver (Slack and SMTP are not reachable here).
      const config = parseTrackerConfig({ ...trackerSettings, recipients: { webhook: [`${receiver.baseUrl}/ops`] }, thresholds: undefined });
      const store = await CostStore.open(db);
      const client = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 2_000, maxRetries: 1 });
      const now = new Date("2026-03-15T01:00:00Z");
      const result = await checkApps(client, store, config, now, { info: () => undefined, warn: () => undefined });
      await deliverPending(store, { webhook: createWebhookTransport({ timeoutMs: 5_000 }) }, now);
      expect(result).toEqual({ fired: [memoryIncidentKey(STOREFRONT_APP_ID, new Date("2026-03-15T00:40:00Z"))], problems: [] });
      expect(receiver.requests.map((request) => request.body)).toEqual([
        expect.objectContaining({ type: "app_memory_high", appId: STOREFRONT_APP_ID, app: "storefront", thresholdPercent: 80, window: "5m", peakPercent: 92 }),
      ]);
      expect(fake.validationErrors).toEqual([]);
    } finally {
      await db.close();
      await database.drop();
      await Promise.all([fake.close(), receiver.close()]);
    }
  });
});
