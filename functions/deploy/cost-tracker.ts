/**
 * The cost tracker on DigitalOcean Functions: a namespace, the tracker action with its three
 * schedules (hourly check, daily and weekly reports) and the dashboard web action. The Pulumi
 * DigitalOcean provider has no Functions resources (pulumi-digitalocean #883), so these are the
 * dynamic providers in ./providers.
 */
import * as pulumi from "@pulumi/pulumi";
import { firesPerMonth } from "../../core/cron";
import type { DashboardSettings } from "../../core/tracker-settings";
import { estimateFunctionsUsage, type FunctionsUsageEstimate } from "../../core/pricing";
import { adviceSliceSeconds, BASE_RUN_SECONDS, FUNCTIONS_LIMITS } from "../../core/functions-limits";
import { FunctionsAction, type FunctionsNodeRuntime } from "./providers/action";
import { FunctionsNamespace } from "./providers/namespace";
import { FunctionsTrigger } from "./providers/trigger";

/** When the tracker runs: DigitalOcean Functions scheduled-trigger cron strings, UTC. */
export interface TrackerSchedules {
  readonly check: string;
  readonly daily: string;
  readonly weekly: string;
}

export interface CostTrackerArgs {
  region: string;
  schedules: TrackerSchedules;
  memoryMb: number;
  timeoutSeconds: number;
  /** Requests each run's advice slice may spend; null when advice is off. Sizes the cost estimate. */
  adviceRequestBudget: number | null;
  runtime: FunctionsNodeRuntime;
  /** The bundled actions (functions/build.ts). */
  trackerCode: pulumi.Input<string>;
  dashboardCode: pulumi.Input<string>;
  /** The tracker's settings (core/tracker-settings.ts) as JSON; secret (Slack and webhook URLs). */
  trackerSettingsJson: pulumi.Input<string>;
  /** The dashboard's own settings (budget, config thresholds); plain, none of the tracker's secrets. */
  dashboardSettings: DashboardSettings;
  /** Secrets, each bound only to the action that uses it. */
  /** A single-team deployment's read token, bound as DIGITALOCEAN_TOKEN; absent with teams (each has its own). */
  digitalOceanToken?: pulumi.Input<string>;
  databaseUrl: pulumi.Input<string>;
  /** Absent when nobody is emailed: the tracker then runs without SMTP. */
  smtpUrl?: pulumi.Input<string>;
  /** Only when clean-up applies (single team): the write-scoped token, bound as DIGITALOCEAN_CLEANUP_TOKEN. */
  cleanupToken?: pulumi.Input<string>;
  /** With an organisation URN: bound as DIGITALOCEAN_ORGANIZATION_TOKEN. */
  organizationToken?: pulumi.Input<string>;
  /** With teams: `{team: read token}` JSON, bound as DIGITALOCEAN_TEAM_TOKENS. */
  teamTokens?: pulumi.Input<string>;
  /** With teams and clean-up applying: `{team: write token}` JSON, bound as DIGITALOCEAN_TEAM_CLEANUP_TOKENS. */
  teamCleanupTokens?: pulumi.Input<string>;
  dashboardPassword: pulumi.Input<string>;
  /** With teams: `{team: password}` JSON, bound to the dashboard as DASHBOARD_TEAM_PASSWORDS. */
  dashboardTeamPasswords?: pulumi.Input<string>;
}

/** Parameters bound only when their value is given, so an action never sees an empty secret. */
function present(parameters: Record<string, pulumi.Input<string> | undefined>): Record<string, pulumi.Input<string>> {
  return Object.fromEntries(Object.entries(parameters).filter((entry): entry is [string, pulumi.Input<string>] => entry[1] !== undefined));
}

/**
 * Expected wall time of one run, for the cost estimate, on an account large enough that every
 * run spends its whole advice slice (about 1,250 droplets or more at the default budget;
 * smaller accounts finish sooner): the check and the daily task add the slice's pacing to their
 * own work; the weekly report reads no metrics.
 */
function assumedDurationMs(task: keyof TrackerSchedules, adviceRequestBudget: number | null): number {
  const slice = task === "weekly" ? 0 : adviceSliceSeconds(adviceRequestBudget);
  return (BASE_RUN_SECONDS[task] + slice) * 1000;
}
const DASHBOARD_MEMORY_MB = 256;
const PACKAGE = "cost-tracker";

export class CostTracker extends pulumi.ComponentResource {
  public readonly namespaceId: pulumi.Output<string>;
  public readonly dashboardUrl: pulumi.Output<string | undefined>;
  public readonly scheduleNames: string[];
  /** What running the tracker costs per month on Functions, from the schedules and limits. */
  public readonly monthlyCost: FunctionsUsageEstimate;

  constructor(name: string, args: CostTrackerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("do-cost-guard:functions:CostTracker", name, {}, opts);

    const namespace = new FunctionsNamespace(`${name}-namespace`, { region: args.region, label: name }, { parent: this });
    const tracker = new FunctionsAction(
      `${name}-tracker`,
      {
        namespaceId: namespace.namespaceId,
        packageName: PACKAGE,
        actionName: "tracker",
        code: args.trackerCode,
        runtime: args.runtime,
        web: false,
        limits: { timeoutMs: args.timeoutSeconds * 1000, memoryMb: args.memoryMb },
        parameters: present({
          TRACKER_CONFIG: args.trackerSettingsJson,
          DIGITALOCEAN_TOKEN: args.digitalOceanToken,
          DATABASE_URL: args.databaseUrl,
          SMTP_URL: args.smtpUrl,
          DIGITALOCEAN_CLEANUP_TOKEN: args.cleanupToken,
          DIGITALOCEAN_ORGANIZATION_TOKEN: args.organizationToken,
          DIGITALOCEAN_TEAM_TOKENS: args.teamTokens,
          DIGITALOCEAN_TEAM_CLEANUP_TOKENS: args.teamCleanupTokens,
        }),
      },
      { parent: this },
    );
    const dashboard = new FunctionsAction(
      `${name}-dashboard`,
      {
        namespaceId: namespace.namespaceId,
        packageName: PACKAGE,
        actionName: "dashboard",
        code: args.dashboardCode,
        runtime: args.runtime,
        web: true,
        limits: { timeoutMs: 30_000, memoryMb: DASHBOARD_MEMORY_MB },
        // Only what the dashboard reads: never the tracker's tokens, SMTP URL or notification URLs.
        parameters: present({
          DASHBOARD_SETTINGS: JSON.stringify(args.dashboardSettings),
          DATABASE_URL: args.databaseUrl,
          DASHBOARD_PASSWORD: args.dashboardPassword,
          DASHBOARD_TEAM_PASSWORDS: args.dashboardTeamPasswords,
        }),
      },
      { parent: this },
    );
    const tasks = Object.keys(args.schedules) as (keyof TrackerSchedules)[];
    if (tasks.length > FUNCTIONS_LIMITS.maxScheduledTriggers) {
      throw new Error(`CostTracker: ${tasks.length} schedules, but DigitalOcean allows ${FUNCTIONS_LIMITS.maxScheduledTriggers} scheduled triggers while they are in preview`);
    }
    this.scheduleNames = tasks.map((task) => `${name}-${task}`);
    for (const task of tasks) {
      new FunctionsTrigger(
        `${name}-${task}`,
        // The body's only field in DigitalOcean's spec is `name`; the tracker reads its task there.
        { namespaceId: namespace.namespaceId, name: `${name}-${task}`, functionName: tracker.qualifiedName, cron: args.schedules[task], body: { name: task }, enabled: true },
        { parent: this },
      );
    }
    this.monthlyCost = estimateFunctionsUsage(
      tasks.map((task) => ({ name: task, invocationsPerMonth: firesPerMonth(args.schedules[task]), averageDurationMs: assumedDurationMs(task, args.adviceRequestBudget), memoryMb: args.memoryMb })),
    );
    this.namespaceId = namespace.namespaceId;
    this.dashboardUrl = dashboard.webUrl;
    this.registerOutputs({ namespaceId: this.namespaceId, dashboardUrl: this.dashboardUrl, scheduleNames: this.scheduleNames, monthlyCost: this.monthlyCost });
  }
}
