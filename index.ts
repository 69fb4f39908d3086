/**
 * do-cost-guard: the composition root. Reads validated configuration once and hands each
 * component its slice; no resource logic lives here.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { ResourceAlerts } from "./alerts/resource-alerts";
import { loadConfig } from "./config";
import { buildFunctions, DEFAULT_FUNCTIONS_RUNTIME } from "./functions/build";
import { CostTracker } from "./functions/deploy/cost-tracker";

const config = loadConfig();

const resourceAlerts = new ResourceAlerts("resource-alerts", {
  targets: config.alerts.targets,
  destinations: config.alerts.destinations,
});

/** Monitor alert policy uuids by name. */
export const alertPolicyIds = resourceAlerts.policyIds;
/** App Platform apps the deployed tracker watches (memory, optional daily bandwidth): the same list is in its settings. */
export const appWatches = resourceAlerts.appWatches;
/**
 * The teams the deployed tracker watches, each with its budget, threshold ids and whether it has
 * a read token of its own (else insightsOnly: organisation insights, daily): the same list the
 * dashboard is bound, and what TRACKER_CONFIG resolves to. No token or password.
 */
export const trackerTeams = config.tracker.dashboardSettings.teams;

// The tracker and dashboard are bundled by esbuild (never the CLI's embedded PostgreSQL) each time the program
// runs, so the deployed code is always this checkout's; the action's hash decides whether it is updated.
const bundles = pulumi.output(buildFunctions({ log: () => undefined }));
const bundleCode = (action: string) =>
  bundles.apply((built) => {
    const bundle = built.find((b) => b.name === action);
    if (!bundle) throw new Error(`functions/build.ts built no ${action}`);
    return fs.readFileSync(bundle.file, "utf8");
  });

const costTracker = new CostTracker("cost-tracker", {
  region: config.tracker.region,
  schedules: config.tracker.schedules,
  memoryMb: config.tracker.memoryMb,
  timeoutSeconds: config.tracker.timeoutSeconds,
  adviceRequestBudget: config.tracker.adviceRequestBudget,
  runtime: DEFAULT_FUNCTIONS_RUNTIME,
  trackerCode: bundleCode("cost-tracker/tracker"),
  dashboardCode: bundleCode("cost-tracker/dashboard"),
  trackerSettingsJson: config.tracker.trackerSettingsJson,
  dashboardSettings: config.tracker.dashboardSettings,
  databaseUrl: config.tracker.databaseUrl,
  dashboardPassword: config.tracker.dashboardPassword,
  // Each only when the settings need it: single-team token, SMTP, clean-up, organisation and per-team secrets.
  digitalOceanToken: config.tracker.digitalOceanToken,
  smtpUrl: config.tracker.smtpUrl,
  cleanupToken: config.tracker.cleanupToken,
  organizationToken: config.tracker.organizationToken,
  teamTokens: config.tracker.teamTokens,
  teamCleanupTokens: config.tracker.teamCleanupTokens,
  dashboardTeamPasswords: config.tracker.dashboardTeamPasswords,
});

/** The cost dashboard (HTTP Basic user "do-cost-guard", or the password as a bearer token). */
export const dashboardUrl = costTracker.dashboardUrl;
export const functionsNamespaceId = costTracker.namespaceId;
export const trackerSchedules = costTracker.scheduleNames;
/** What the tracker itself costs per month on DigitalOcean Functions (GiB-seconds beyond the free allowance). */
export const trackerMonthlyCost = {
  usd: costTracker.monthlyCost.monthlyUsd,
  gibSeconds: Math.round(costTracker.monthlyCost.gibSeconds),
  freeGiBSeconds: costTracker.monthlyCost.freeGiBSeconds,
};
