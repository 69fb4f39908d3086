/**
 * index.ts with Pulumi.prod.yaml under the recording mocks: the deployed tracker's settings
 * carry the App Platform target as an app watch (issue 8: `appWatches` used to reach only the
 * stack's outputs), each action is bound only the parameters it reads, and the settings the
 * stack binds are the ones the tracker's own parser accepts.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DigitalOceanClient } from "../../functions/src/digitalocean/client";
import { deliverPending } from "../../functions/src/notify/outbox";
import { createWebhookTransport } from "../../functions/src/notify/webhook";
import { CostStore } from "../../functions/src/store/cost-store";
import { createPostgresClient } from "../../functions/src/store/pg-client";
import { checkApps, memoryIncidentKey } from "../../functions/src/tracker/app-health";
import { parseTrackerConfig } from "../../functions/src/tracker/config";
import { startFakeDigitalOcean } from "../support/fake-do-api";
import { startHttpReceiver } from "../support/http-receiver";
import { createTestDatabase } from "../support/postgres";
import { runStackProgram } from "../support/stack-program";

const STOREFRONT_APP_ID = "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25";
// Distinct stand-ins for the stack's secrets (the offline placeholders are alike), only ever parsed.
const SECRETS = {
  trackerDigitalOceanToken: "dop_v1_tracker-token-not-real",
  trackerSmtpUrl: "smtps://mailer:smtp-secret-7@127.0.0.1:465",
  alertSlackWebhookUrl: "https://hooks.slack.com/services/T0/B0/slack-secret-7",
  trackerDatabaseUrl: "postgres://tracker:db-secret-7@127.0.0.1:5432/costs",
  dashboardPassword: "dashboard-secret-7-long-enough",
};
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
  beforeAll(async () => {
    const run = await runStackProgram("prod", SECRETS);
    parameters = (action) => {
      const resource = run.resources.find((r) => r.name === `cost-tracker-${action}`);
      if (!resource) throw new Error(`no cost-tracker-${action} resource`);
      return unwrapSecrets(resource.engineInputs.parameters) as Record<string, string>;
    };
    trackerSettings = JSON.parse(parameters("tracker").TRACKER_CONFIG!);
  });

  it("binds the storefront App Platform target into the tracker's settings as an app watch", () => {
    const settings = JSON.parse(parameters("tracker").TRACKER_CONFIG!);
    expect(settings.apps).toEqual([{ name: "storefront", appId: STOREFRONT_APP_ID, memoryThresholdPercent: 80, window: "5m" }]);
    // What the deployed action will make of it: the same parser, the stack's destinations as the audience.
    const resolved = parseTrackerConfig(settings);
    expect(resolved.apps).toEqual([
      {
        name: "storefront",
        appId: STOREFRONT_APP_ID,
        memoryThresholdPercent: 80,
        window: "5m",
        windowMinutes: 5,
        recipients: { email: ["oncall@forkline.example", "finance@forkline.example"], slack: [{ channel: "#ops-alerts", url: SECRETS.alertSlackWebhookUrl }], webhook: [] },
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

  it("gives the deployed advisor the tag requirement the policy pack enforces (policy-config.json)", () => {
    const packConfig = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "policy-config.json"), "utf8"));
    expect(JSON.parse(parameters("tracker").TRACKER_CONFIG!).advice.requireTags).toEqual(packConfig["do-resource-require-tags"]);
  });

  it("gives the tracker its token, database and SMTP URLs, and the dashboard none of the tracker's secrets", () => {
    expect(Object.keys(parameters("tracker")).sort()).toEqual(["DATABASE_URL", "DIGITALOCEAN_TOKEN", "SMTP_URL", "TRACKER_CONFIG"]);
    const dashboard = parameters("dashboard");
    expect(Object.keys(dashboard).sort()).toEqual(["DASHBOARD_PASSWORD", "DASHBOARD_SETTINGS", "DATABASE_URL"]);
    expect(JSON.parse(dashboard.DASHBOARD_SETTINGS!)).toEqual({
      budgetMonthlyUsd: 450,
      thresholds: [10, 50, 150, 200].map((amountUsd) => ({ id: `mtd-${amountUsd}`, amountUsd })),
      // billing.timeZone and billing.runbookUrl: how the dashboard writes times and where its alerts link.
      timeZone: "Europe/Berlin",
      runbookUrl: "https://github.com/forkline/do-cost-guard/blob/main/docs/runbook.md",
    });
    expect(dashboard.DATABASE_URL).toBe(SECRETS.trackerDatabaseUrl);
    expect(parameters("tracker")).toMatchObject({ DIGITALOCEAN_TOKEN: SECRETS.trackerDigitalOceanToken, SMTP_URL: SECRETS.trackerSmtpUrl });
    for (const secret of [SECRETS.trackerDigitalOceanToken, SECRETS.trackerSmtpUrl, "slack-secret-7"]) expect(JSON.stringify(dashboard)).not.toContain(secret);
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
