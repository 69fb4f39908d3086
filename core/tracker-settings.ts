/**
 * The tracker's settings as ONE zod schema: the JSON file the CLI reads, the parameter the
 * deployed action receives and the object the stack (config.ts) composes from `billing`,
 * `alertTargets` and the alert destinations all go through {@link trackerSettingsSchema}, so
 * the three can never disagree on what is valid. The schema's output type is the resolved,
 * defaults-filled configuration the tracker runs with ({@link TrackerSettings}).
 *
 * Each field rule comes from core/validators.ts (its one home); this module only arranges
 * them, adds the cross-field rules (ascending thresholds, "someone must hear about it",
 * `email.from` when any recipient is an email) and formats problems as one bounded,
 * secret-free line each ({@link formatSettingsIssues}).
 *
 * Sub-schemas ({@link recipientsSchema}, {@link thresholdSchema}) are exported so the
 * dashboard's POST body is checked by the same definitions.
 */
import { z } from "zod";
import { APP_RULES, MONITOR_WINDOWS, type MonitorWindow } from "../alerts/rules";
import { resolveAdviceSettings, type AdviceSettings } from "./advice/settings";
import { DEFAULT_REQUEST_BUDGET } from "./advice/request-budget";
import { DEFAULT_THRESHOLD_AMOUNTS_USD } from "./billing-thresholds";
import { DEFAULT_CLEANUP_SETTINGS, type CleanupSettings } from "./cleanup/plan";
import { DROPLET_CLEANUP_ACTIONS } from "./cleanup/states";
import { DEFAULT_SPIKE_OPTIONS, resolveSpikeOptions, type SpikeOptions } from "./spikes";
import { UnitCostConfigError, validateUnitCostConfig, type UnitCostConfig } from "./unit-cost";
import {
  describeValue,
  isEmailAddress,
  MAX_RECIPIENTS_PER_LIST,
  pageUrlProblem,
  slackWebhookUrlProblem,
  thresholdId,
  timeZoneProblem,
  webhookUrlProblem,
} from "./validators";

// Slack channel names: lowercase letters, digits, dashes, underscores and periods, at most 80 (Slack's limit).
const SLACK_CHANNEL_PATTERN = /^[#@]?[a-z0-9][a-z0-9._-]{0,79}$/i;
// App ids are UUIDs (apps/models/app.yml `id`, e.g. 4f6c71e2-1e90-4762-9fee-6cc4a0a9f2cf).
const APP_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCOUNT_URN_PATTERN = /^do:(team|teamgroup):[^/\s]+$/;
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
/**
 * A team's URN, `do:team:<uuid>`, and an organisation's, `do:teamgroup:<uuid>`: the two forms
 * billing insights accept as `account_urn` (vendored spec, components.parameters.account_urn);
 * organisation data points name their team in `usage_team_urn`.
 */
export const TEAM_URN_PATTERN = new RegExp(`^do:team:${UUID}$`);
export const ORGANIZATION_URN_PATTERN = new RegExp(`^do:teamgroup:${UUID}$`);
/**
 * A team's name: it labels the team's rows, messages, dashboard view and (upper-cased, `-` → `_`)
 * its CLI token variable, so it is short, lowercase and safe in all of them. No `_`, so the
 * variable name maps back to exactly one team.
 */
export const TEAM_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
/** The one team a config without `teams` resolves to (and the label of a single-team deployment's rows). */
export const IMPLICIT_TEAM_NAME = "default";
/**
 * The label the store files the organisation's own rows under (its thresholds' events, its
 * insights total): the `team` column holds team names and these reserved labels, which start
 * with `@` and so can never be a team name ({@link TEAM_NAME_PATTERN}).
 */
export const ORGANIZATION_LABEL = "@organization";
/**
 * The label of organisation spend whose `usage_team_urn` names no configured team: kept (and
 * counted in the organisation's total and summary), logged at every organisation read, never dropped.
 */
export const UNASSIGNED_LABEL = "@unassigned";

/** How a label is shown where teams are listed (reports, dashboard): a team's name, or what a reserved label stands for. */
export function teamWords(label: string): string {
  return label === UNASSIGNED_LABEL ? "(teams not in the config)" : label === ORGANIZATION_LABEL ? "organisation" : label;
}

/** Whether `label` may file a row in the store: a team name, {@link ORGANIZATION_LABEL} or {@link UNASSIGNED_LABEL}. */
export function isStoreLabel(label: string): boolean {
  return TEAM_NAME_PATTERN.test(label) || label === ORGANIZATION_LABEL || label === UNASSIGNED_LABEL;
}

/** `label` when it may file a row in the store (see {@link isStoreLabel}); else a RangeError naming it (cut short). */
export function checkedStoreLabel(label: string): string {
  if (!isStoreLabel(label)) throw new RangeError(`team must be a team name or a reserved @ label (got ${JSON.stringify(label.slice(0, 60))})`);
  return label;
}

/**
 * Most teams one deployment watches: each is a set of hourly reads against its own token's
 * rate limit, and problems and messages list them. 100 is twice the 50-team scale target.
 */
export const MAX_TEAMS = 100;
/** Minutes in each monitor window spelling, for the app watch's sample window. */
export const WINDOW_MINUTES: Readonly<Record<MonitorWindow, number>> = { "5m": 5, "10m": 10, "30m": 30, "1h": 60 };

/** A refinement from a `…Problem` validator: the validator's reason becomes the issue's message. */
function problemCheck(problemOf: (value: unknown) => string | undefined) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  };
}

/** One email address (core/validators isEmailAddress); the bad value is quoted through describeValue. */
export const emailAddressSchema = z.string().superRefine((value, ctx) => {
  if (!isEmailAddress(value)) ctx.addIssue({ code: "custom", message: `must be an email address like ops@example.com (got ${describeValue(value)})` });
});
/** A Slack incoming webhook: the channel it posts to (for messages and logs) and its secret URL. */
export const slackTargetSchema = z.strictObject({
  channel: z.string().regex(SLACK_CHANNEL_PATTERN, { error: "must be a Slack channel name like #billing" }),
  url: z.string().superRefine(problemCheck(slackWebhookUrlProblem)),
});
/** A webhook URL (JSON POST target): https, or http to loopback only. */
export const webhookUrlSchema = z.string().superRefine(problemCheck(webhookUrlProblem));

function cappedList<T extends z.ZodType>(item: T, what: string) {
  return z.array(item).max(MAX_RECIPIENTS_PER_LIST, { error: `must list at most ${MAX_RECIPIENTS_PER_LIST} ${what}` });
}

/** The three recipient lists, each optional and capped at {@link MAX_RECIPIENTS_PER_LIST}. */
export const recipientsShape = {
  email: cappedList(emailAddressSchema, "email addresses").optional(),
  slack: cappedList(slackTargetSchema, "Slack channels").optional(),
  webhook: cappedList(webhookUrlSchema, "webhook URLs").optional(),
};
/** `{email, slack, webhook}`: who hears about something. */
export const recipientsSchema = z.strictObject(recipientsShape);

/** An IANA time zone name ("UTC", "Europe/Berlin"): how the dashboard writes times. */
export const timeZoneSchema = z.string().superRefine(problemCheck(timeZoneProblem));
/** Where the team hosts docs/runbook.md: the dashboard links each alert to its section there. */
export const runbookUrlSchema = z.string().superRefine(problemCheck(pageUrlProblem));
/** The zone times are shown in when `timeZone` is not set. */
export const DEFAULT_TIME_ZONE = "UTC";

/** A positive, finite amount of US dollars. */
export const usdAmountSchema = z.number({ error: "must be a positive number of US dollars" }).positive({ error: "must be a positive number of US dollars" }).finite();

/** One month-to-date threshold and its own recipients (none: the top-level `recipients`). */
export const thresholdSchema = z.strictObject({ amountUsd: usdAmountSchema, ...recipientsShape });

/**
 * A threshold ladder: at least one, amounts strictly ascending. The order is checked even when
 * an entry has other problems, so one pass reports both (amounts that are not numbers are skipped).
 */
export const thresholdLadderSchema = z
  .array(thresholdSchema)
  .min(1, { error: "must list at least one threshold (or be left out for the default ladder)" })
  .superRefine(
    (entries, ctx) => {
      let previous: { amountUsd: number; index: number } | undefined;
      (entries as unknown[]).forEach((entry, index) => {
        const amountUsd = typeof entry === "object" && entry !== null ? (entry as { amountUsd?: unknown }).amountUsd : undefined;
        if (typeof amountUsd !== "number" || !Number.isFinite(amountUsd)) return;
        if (previous !== undefined && amountUsd <= previous.amountUsd) {
          ctx.addIssue({ code: "custom", path: [index, "amountUsd"], message: `must be > thresholds[${previous.index}].amountUsd (got ${amountUsd} after ${previous.amountUsd})` });
        }
        previous = { amountUsd, index };
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  );

const enabledSchema = z.boolean().optional();
const forecastSchema = z.strictObject({ enabled: enabledSchema, ...recipientsShape });
const spikeOptionKeys = ["windowDays", "minIncreasePct", "minIncreaseUsd", "seasonalWeeks"] as const;
const spikesSchema = z.strictObject({
  enabled: enabledSchema,
  windowDays: z.number().optional(),
  minIncreasePct: z.number().optional(),
  minIncreaseUsd: z.number().optional(),
  seasonalWeeks: z.number().optional(),
  ...recipientsShape,
});
const reportSchema = z.strictObject({ enabled: enabledSchema, ...recipientsShape });

const PERCENT = "must be a percent between 0 and 100";
const GIB = "must be a positive number of GiB";

/** An App Platform app `check` watches (DigitalOcean has no monitor alert type for apps). */
export const appWatchSchema = z.strictObject({
  name: z.string().trim().min(1, { error: "must be a non-empty name for the app" }),
  appId: z.string().regex(APP_ID_PATTERN, { error: "must be an App Platform app id (a UUID)" }),
  memoryThresholdPercent: z.number({ error: PERCENT }).gt(0, { error: PERCENT }).lt(100, { error: PERCENT }).optional(),
  window: z.enum(MONITOR_WINDOWS).optional(),
  bandwidthAllowanceGiBPerDay: z.number({ error: GIB }).positive({ error: GIB }).finite().optional(),
  /** The team the app belongs to (its token reads the app's metrics); the first team when absent. */
  team: z.string().optional(),
  ...recipientsShape,
});

/** A team name (see {@link TEAM_NAME_PATTERN}). */
export const teamNameSchema = z.string().regex(TEAM_NAME_PATTERN, { error: "must be 1-40 lowercase letters, digits or dashes, starting and ending with a letter or digit, e.g. staging" });

/**
 * One team of the organisation. Its own budget, thresholds and recipients replace the
 * top-level ones for this team (its thresholds replace the top-level list, they are not added to it).
 */
export const teamSchema = z.strictObject({
  name: teamNameSchema,
  urn: z.string().regex(TEAM_URN_PATTERN, { error: "must look like do:team:<uuid>" }),
  budgetMonthlyUsd: usdAmountSchema.optional(),
  thresholds: thresholdLadderSchema.optional(),
  recipients: recipientsSchema.optional(),
});

/** The organisation's own budget and thresholds: its total is alerted only through these. */
export const organizationSchema = z.strictObject({
  budgetMonthlyUsd: usdAmountSchema,
  thresholds: thresholdLadderSchema.optional(),
});

const WHOLE_DAYS = "must be a whole number of days";
const days = (max: number) => z.number({ error: WHOLE_DAYS }).int({ error: WHOLE_DAYS }).min(0, { error: WHOLE_DAYS }).max(max, { error: `must be at most ${max} days` });
const percentBelow100 = z.number({ error: PERCENT }).gt(0, { error: PERCENT }).lt(100, { error: PERCENT });
// Tag keys as the pack's do-resource-require-tags configSchema accepts them.
const TAG_KEY = /^[a-zA-Z0-9_-]+$/;
// DigitalOcean tag names: specification/resources/tags/models/tags.yml (`^[a-zA-Z0-9_\-\:]+$`, ≤ 255).
const DO_TAG = /^[a-zA-Z0-9_\-:]{1,255}$/;

/** The tag requirement the pack's `do-resource-require-tags` enforces; the untagged report uses the same. */
export const requireTagsSchema = z.strictObject({
  requiredKeys: z.array(z.string().regex(TAG_KEY, { error: "must be a tag key: letters, digits, - and _" })).max(20),
  allowedValues: z.record(z.string().regex(TAG_KEY, { error: "must be a tag key: letters, digits, - and _" }), z.array(z.string().max(255)).min(1).max(100)).optional(),
});

/** The savings advisor (`advise`; the deployed daily task runs it). Defaults: core/advice/settings.ts. */
export const adviceSettingsSchema = z.strictObject({
  enabled: enabledSchema,
  /** DigitalOcean requests one run may spend; the API allows 5,000 an hour. */
  requestBudget: z.number().int().min(1).max(5_000, { error: "must be at most 5000, DigitalOcean's hourly limit" }).optional(),
  lookbackDays: days(90).optional(),
  minCoverage: z.number().min(0).max(1, { error: "must be a share from 0 to 1" }).optional(),
  poweredOffDays: days(3650).optional(),
  resizeTargetP95Pct: percentBelow100.optional(),
  volumeUnattachedDays: days(3650).optional(),
  reservedIpUnassignedDays: days(3650).optional(),
  snapshotMaxAgeDays: days(3650).optional(),
  snapshotRetentionDays: days(3650).optional(),
  loadBalancerIdleMaxConnections: z.number().int().min(0).optional(),
  databaseCpuLowPct: percentBelow100.optional(),
  databaseMemoryLowPct: percentBelow100.optional(),
  dismissalTolerancePct: z.number({ error: "must be percentage points from 0 to 100" }).min(0, { error: "must be percentage points from 0 to 100" }).max(100, { error: "must be percentage points from 0 to 100" }).optional(),
  requireTags: requireTagsSchema.optional(),
});

/** Safe clean-up of `expires:`-tagged resources. Defaults: core/cleanup/plan.ts; off unless enabled. */
export const cleanupSettingsSchema = z.strictObject({
  enabled: enabledSchema,
  /**
   * Act (needs the write-scoped token, and recipients: nothing is acted on before a notice has
   * reached someone); otherwise a dry run that reports and sends preview notices, which never count.
   */
  apply: z.boolean().optional(),
  tagKey: z.string().regex(TAG_KEY, { error: "must be a tag key: letters, digits, - and _" }).optional(),
  noticeDays: days(60).optional(),
  graceDays: days(60).optional(),
  protectedTag: z.string().regex(DO_TAG, { error: "must be a DigitalOcean tag (letters, digits, _, -, :)" }).optional(),
  denyList: z.array(z.string().min(1).max(255)).max(500).optional(),
  dropletAction: z.enum(DROPLET_CLEANUP_ACTIONS).optional(),
});

/** The settings as written (JSON file, action parameter, or composed by the stack). */
export const trackerSettingsInputSchema = z.strictObject({
  budgetMonthlyUsd: usdAmountSchema,
  recipients: recipientsSchema.optional(),
  thresholds: thresholdLadderSchema.optional(),
  forecast: forecastSchema.optional(),
  spikes: spikesSchema.optional(),
  reports: z.strictObject({ daily: reportSchema.optional(), weekly: reportSchema.optional() }).optional(),
  units: z.strictObject({ name: z.string().trim().min(1, { error: "must name the unit, e.g. active restaurant" }), source: z.unknown() }).optional(),
  email: z.strictObject({ from: z.string().trim().min(1, { error: 'must be a sender like "do-cost-guard <billing@example.com>"' }) }).optional(),
  accountUrn: z.string().regex(ACCOUNT_URN_PATTERN, { error: "must look like do:team:<uuid>" }).optional(),
  /** `do:teamgroup:<uuid>`: the organisation whose billing insights cover every team (needs `teams`). */
  organizationUrn: z.string().regex(ORGANIZATION_URN_PATTERN, { error: "must look like do:teamgroup:<uuid>" }).optional(),
  organization: organizationSchema.optional(),
  /** The teams watched; absent: one implicit team, `default`, with the top-level values. */
  teams: z.array(teamSchema).min(1, { error: "must list at least one team (or be left out for a single-team config)" }).max(MAX_TEAMS, { error: `must list at most ${MAX_TEAMS} teams` }).optional(),
  dashboardUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
  /** The zone the dashboard shows times in (IANA name); default UTC. */
  timeZone: timeZoneSchema.optional(),
  /** The hosted docs/runbook.md; the dashboard links each alert to its section. */
  runbookUrl: runbookUrlSchema.optional(),
  apps: z.array(appWatchSchema).optional(),
  advice: adviceSettingsSchema.optional(),
  cleanup: cleanupSettingsSchema.optional(),
  /** Catalog against invoice, per size (`calibrate`); the deployed daily task runs it unless disabled. */
  calibration: z.strictObject({ enabled: enabledSchema }).optional(),
});

/** The settings as written; what the stack composes and the CLI's file holds. */
export type TrackerSettingsInput = z.input<typeof trackerSettingsInputSchema>;
type RawSettings = z.output<typeof trackerSettingsInputSchema>;
type RawRecipients = z.output<typeof recipientsSchema>;

/** Resolved recipients: every list present (possibly empty). */
export interface Recipients {
  email: string[];
  slack: { channel: string; url: string }[];
  webhook: string[];
}

/** One month-to-date threshold and who hears about it. */
export interface ThresholdConfig {
  /** Stable id, `mtd-<amount>` (core/validators thresholdId). */
  id: string;
  amountUsd: number;
  recipients: Recipients;
}

/** A report's switch and audience. */
export interface ReportConfig {
  enabled: boolean;
  recipients: Recipients;
}

/** An App Platform app the hourly `check` watches, defaults filled in. */
export interface AppWatchConfig {
  name: string;
  appId: string;
  /** Memory above this percent for the whole window opens an incident (default 80, alerts/rules APP_RULES). */
  memoryThresholdPercent: number;
  /** The monitor-alert window spelling ("5m", "10m", "30m", "1h"). */
  window: MonitorWindow;
  windowMinutes: number;
  /** Bytes served per day above this many GiB (2^30 bytes) alert once per day; no check when absent. */
  bandwidthAllowanceGiBPerDay?: number;
  /** The team whose token reads the app (the first team when the config named none). */
  team: string;
  /** The app's own recipients, else its team's. */
  recipients: Recipients;
}

/**
 * One team, resolved: everything evaluating it needs, its own values or the inherited
 * top-level ones. Sections (thresholds, forecast, spikes, reports) that name their own
 * recipients keep them; everything else goes to the team's `recipients`.
 */
/**
 * What alerting on one account's spend reads: a team's own or inherited values, or a single-team
 * config's top level (which is also what every team inherits).
 */
export interface SpendAlertSettings {
  /** The monthly budget the forecast is compared with. */
  budgetMonthlyUsd: number;
  /** Ascending by amount (a team's own ladder replaces the inherited one). */
  thresholds: readonly ThresholdConfig[];
  forecast: { enabled: boolean; recipients: Recipients };
  spikes: { enabled: boolean; options: SpikeOptions; recipients: Recipients };
  reports: { daily: ReportConfig; weekly: ReportConfig };
  /** The apps watched (a team's: those its token reads). */
  apps: readonly AppWatchConfig[];
}

export interface TeamConfig extends SpendAlertSettings {
  /** Unique, lowercase; the label of the team's rows, messages and dashboard view. */
  name: string;
  /** `do:team:<uuid>`; absent only for the implicit team of a config without `accountUrn`. */
  urn?: string;
  /** True for the one team a config without `teams` resolves to, named {@link IMPLICIT_TEAM_NAME}. */
  implicit: boolean;
  /** The team's own recipients, else the top-level ones: who hears what no section names an audience for (clean-up notices, calibration drift). */
  recipients: Recipients;
}

/** The organisation's own budget and thresholds; its total (the sum of its teams) is alerted only through these. */
export interface OrganizationConfig {
  budgetMonthlyUsd: number;
  /** Empty when none are configured: the budget is then only compared with, never alerted on. */
  thresholds: readonly ThresholdConfig[];
  /** The top-level recipients: the organisation summary's audience and that of thresholds without their own. */
  recipients: Recipients;
}

/**
 * The validated, resolved tracker configuration (the schema's output). The top-level budget,
 * thresholds, forecast, spikes, reports, apps and recipients are a single-team config's values
 * and, with `teams`, the defaults every team inherits; per-team evaluation reads {@link teams}.
 */
export interface TrackerConfig extends SpendAlertSettings {
  /** Always at least one: the configured teams in order, or the implicit `default` team. */
  teams: readonly TeamConfig[];
  /** `do:teamgroup:<uuid>` (only with `teams`): organisation insights cover every team. */
  organizationUrn?: string;
  /** The organisation's own budget and thresholds (only with `teams`). */
  organization?: OrganizationConfig;
  /** Unit cost for the weekly report (per active restaurant, …); absent when not configured. */
  units?: UnitCostConfig;
  email: { from: string };
  /** `do:team:<uuid>`: enables billing insights in `history`; single-team configs only (with `teams`, each team has its urn). */
  accountUrn?: string;
  /** Linked from every notification when set. */
  dashboardUrl?: string;
  /** IANA time zone the dashboard writes times in (default {@link DEFAULT_TIME_ZONE}). */
  timeZone: string;
  /** The hosted runbook page (docs/runbook.md) the dashboard links alerts into, when set. */
  runbookUrl?: string;
  /** The top-level recipients: who hears about what no section names an audience for (calibration drift, clean-up notices). */
  recipients: Recipients;
  advice: AdviceSettings & { enabled: boolean; requestBudget: number };
  cleanup: CleanupSettings & { enabled: boolean; apply: boolean };
  calibration: { enabled: boolean };
}

const FALLBACK_SENDER = "do-cost-guard <do-cost-guard@localhost>";

function recipientsOf(section: RawRecipients | undefined): Recipients {
  return { email: [...(section?.email ?? [])], slack: (section?.slack ?? []).map((s) => ({ ...s })), webhook: [...(section?.webhook ?? [])] };
}

function hasAny(recipients: Recipients): boolean {
  return recipients.email.length + recipients.slack.length + recipients.webhook.length > 0;
}

/** A section's own recipients when it lists any, else the top-level ones. */
function audience(section: RawRecipients | undefined, defaults: Recipients): Recipients {
  const own = recipientsOf(section);
  return hasAny(own) ? own : defaults;
}

/** Present keys only, so a spread never overwrites a default with undefined. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resolveAdvice(raw: z.output<typeof adviceSettingsSchema> | undefined): TrackerConfig["advice"] {
  const { enabled, requestBudget, requireTags, ...thresholds } = raw ?? {};
  return {
    ...resolveAdviceSettings(defined(thresholds)),
    ...(requireTags ? { requireTags: { requiredKeys: requireTags.requiredKeys, allowedValues: requireTags.allowedValues ?? {} } } : {}),
    enabled: enabled ?? true,
    requestBudget: requestBudget ?? DEFAULT_REQUEST_BUDGET,
  };
}

function resolveCleanup(raw: z.output<typeof cleanupSettingsSchema> | undefined): TrackerConfig["cleanup"] {
  const { enabled, apply, ...settings } = raw ?? {};
  return { ...DEFAULT_CLEANUP_SETTINGS, ...defined(settings), enabled: enabled ?? false, apply: apply ?? false };
}

type RawThreshold = RawRecipients & { amountUsd: number };

/** A written ladder resolved: ids, and each threshold's own recipients or `fallback`. */
function thresholdsOf(written: readonly RawThreshold[], fallback: Recipients): ThresholdConfig[] {
  return written.map((t) => ({ id: thresholdId(t.amountUsd), amountUsd: t.amountUsd, recipients: audience(t, fallback) }));
}

/** Defaults applied: the resolved configuration, before the cross-field checks. */
function resolve(raw: RawSettings): { config: TrackerConfig; spikeOverrides: Partial<SpikeOptions> } {
  const defaults = recipientsOf(raw.recipients);
  const ladder: readonly RawThreshold[] = raw.thresholds ?? DEFAULT_THRESHOLD_AMOUNTS_USD.map((amountUsd) => ({ amountUsd }));
  const spikeOverrides: Partial<SpikeOptions> = {};
  for (const key of spikeOptionKeys) if (raw.spikes?.[key] !== undefined) spikeOverrides[key] = raw.spikes[key];
  const spikeOptions = { ...DEFAULT_SPIKE_OPTIONS, ...spikeOverrides };
  // Every audience falls back to `fallback`: the top-level recipients, or a team's own.
  const sections = (fallback: Recipients) => {
    const report = (section: z.output<typeof reportSchema> | undefined): ReportConfig => ({
      enabled: section?.enabled ?? section !== undefined,
      recipients: audience(section, fallback),
    });
    return {
      forecast: { enabled: raw.forecast?.enabled ?? true, recipients: audience(raw.forecast, fallback) },
      spikes: { enabled: raw.spikes?.enabled ?? true, options: { ...spikeOptions }, recipients: audience(raw.spikes, fallback) },
      reports: { daily: report(raw.reports?.daily), weekly: report(raw.reports?.weekly) },
    };
  };
  const topLevel = sections(defaults);
  const recipients = hasAny(defaults) ? defaults : audience(raw.forecast, defaults);
  // A team's own recipients replace the top-level ones wherever a section names none of its own.
  const teamFallback = new Map<string, { audience: Recipients; notices: Recipients }>();
  for (const team of raw.teams ?? []) {
    const own = recipientsOf(team.recipients);
    if (!teamFallback.has(team.name)) teamFallback.set(team.name, hasAny(own) ? { audience: own, notices: own } : { audience: defaults, notices: recipients });
  }
  const firstTeam = raw.teams?.[0]?.name ?? IMPLICIT_TEAM_NAME;
  const apps = (raw.apps ?? []).map((app): AppWatchConfig => {
    const window = app.window ?? APP_RULES.memory.defaultWindow;
    const team = app.team ?? firstTeam;
    return {
      name: app.name,
      appId: app.appId,
      memoryThresholdPercent: app.memoryThresholdPercent ?? APP_RULES.memory.defaultThreshold,
      window,
      windowMinutes: WINDOW_MINUTES[window],
      ...(app.bandwidthAllowanceGiBPerDay !== undefined ? { bandwidthAllowanceGiBPerDay: app.bandwidthAllowanceGiBPerDay } : {}),
      team,
      recipients: audience(app, teamFallback.get(team)?.audience ?? defaults),
    };
  });
  const thresholds = thresholdsOf(ladder, defaults);
  const teams: TeamConfig[] =
    raw.teams === undefined
      ? [
          {
            name: IMPLICIT_TEAM_NAME,
            ...(raw.accountUrn !== undefined ? { urn: raw.accountUrn } : {}),
            implicit: true,
            budgetMonthlyUsd: raw.budgetMonthlyUsd,
            thresholds,
            ...topLevel,
            apps,
            recipients,
          },
        ]
      : raw.teams.map((team): TeamConfig => {
          const fallback = teamFallback.get(team.name)!;
          return {
            name: team.name,
            urn: team.urn,
            implicit: false,
            budgetMonthlyUsd: team.budgetMonthlyUsd ?? raw.budgetMonthlyUsd,
            thresholds: thresholdsOf(team.thresholds ?? ladder, fallback.audience),
            ...sections(fallback.audience),
            apps: apps.filter((app) => app.team === team.name),
            recipients: fallback.notices,
          };
        });
  const config: TrackerConfig = {
    teams,
    ...(raw.organizationUrn !== undefined ? { organizationUrn: raw.organizationUrn } : {}),
    ...(raw.organization !== undefined
      ? { organization: { budgetMonthlyUsd: raw.organization.budgetMonthlyUsd, thresholds: thresholdsOf(raw.organization.thresholds ?? [], defaults), recipients } }
      : {}),
    budgetMonthlyUsd: raw.budgetMonthlyUsd,
    thresholds,
    ...topLevel,
    email: { from: raw.email?.from ?? FALLBACK_SENDER },
    ...(raw.accountUrn !== undefined ? { accountUrn: raw.accountUrn } : {}),
    ...(raw.dashboardUrl !== undefined ? { dashboardUrl: raw.dashboardUrl } : {}),
    timeZone: raw.timeZone ?? DEFAULT_TIME_ZONE,
    ...(raw.runbookUrl !== undefined ? { runbookUrl: raw.runbookUrl } : {}),
    apps,
    recipients,
    advice: resolveAdvice(raw.advice),
    cleanup: resolveCleanup(raw.cleanup),
    calibration: { enabled: raw.calibration?.enabled ?? true },
  };
  return { config, spikeOverrides };
}

/**
 * The cross-field rules of `teams`: unique names and urns, keys that only make sense with
 * teams (or without them), app watches naming a team, and "someone must hear" per team,
 * each problem placed at the team entry it is about.
 */
function checkTeams(raw: RawSettings, config: TrackerConfig, issue: (path: (string | number)[], message: string) => void): void {
  const names = config.teams.map((team) => team.name);
  if (raw.teams === undefined) {
    if (raw.organizationUrn !== undefined) issue(["organizationUrn"], "needs teams: list the organisation's teams, each with its name and urn");
    if (raw.organization !== undefined) issue(["organization"], "needs teams: a single-team config's total is its team's (use budgetMonthlyUsd and thresholds)");
  } else {
    if (raw.accountUrn !== undefined) issue(["accountUrn"], "cannot be combined with teams: give each team its urn (teams[].urn) and the organisation's as organizationUrn");
    const firstOf = new Map<string, number>();
    raw.teams.forEach((team, i) => {
      for (const [field, value] of [["name", team.name], ["urn", team.urn.toLowerCase()]] as const) {
        const first = firstOf.get(`${field} ${value}`);
        if (first !== undefined) issue(["teams", i, field], `repeats teams[${first}].${field} (got ${team[field]})`);
        else firstOf.set(`${field} ${value}`, i);
      }
    });
  }
  raw.apps?.forEach((app, i) => {
    if (app.team !== undefined && !names.includes(app.team)) issue(["apps", i, "team"], `must name one of the teams: ${names.join(", ")} (got ${describeValue(app.team)})`);
  });
  config.organization?.thresholds.forEach((t, i) => {
    if (!hasAny(t.recipients)) issue(["organization", "thresholds", i], "must list at least one email, slack or webhook recipient (or set top-level recipients)");
  });
  if (raw.teams === undefined) return;
  // Someone must hear, per team: its own ladder's entries by path, the rest on the team's recipients.
  raw.teams.forEach((written, i) => {
    const team = config.teams[i]!;
    const unheard: string[] = [];
    team.thresholds.forEach((t, j) => {
      if (hasAny(t.recipients)) return;
      if (written.thresholds !== undefined) issue(["teams", i, "thresholds", j], "must list at least one email, slack or webhook recipient (or set the team's or the top-level recipients)");
      else unheard.push(`thresholds[${j}]`);
    });
    if (team.forecast.enabled && !hasAny(team.forecast.recipients)) unheard.push("forecast");
    if (team.spikes.enabled && !hasAny(team.spikes.recipients)) unheard.push("spikes");
    for (const name of ["daily", "weekly"] as const) if (team.reports[name].enabled && !hasAny(team.reports[name].recipients)) unheard.push(`${name} report`);
    if (config.cleanup.apply && !hasAny(team.recipients)) unheard.push("clean-up notices");
    if (unheard.length > 0) issue(["teams", i, "recipients"], `must list at least one email, slack or webhook recipient (or set top-level recipients): nobody would hear the team's ${unheard.join(", ")}`);
  });
}

/**
 * The schema: input rules, then defaults resolved and the cross-field rules checked on the
 * result, output the frozen {@link TrackerConfig}. Use {@link parseTrackerSettings} for a
 * typed result or problems; use this directly to compose (`safeParse`) or to embed.
 */
export const trackerSettingsSchema = trackerSettingsInputSchema.transform((raw, ctx): TrackerConfig => {
  const { config, spikeOverrides } = resolve(raw);
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

  // A single-team config's audiences are checked where they are written; with teams, per team (checkTeams).
  if (raw.teams === undefined) {
    config.thresholds.forEach((t, i) => {
      if (raw.thresholds !== undefined && !hasAny(t.recipients)) issue(["thresholds", i], "must list at least one email, slack or webhook recipient (or set top-level recipients)");
    });
    if (raw.thresholds === undefined && !hasAny(recipientsOf(raw.recipients))) {
      issue(["recipients"], "must list at least one email, slack or webhook recipient when thresholds are omitted (the default $10/$50/$150/$200 ladder needs an audience)");
    }
    if (config.forecast.enabled && !hasAny(config.forecast.recipients)) issue(["forecast"], "must list recipients (or set top-level recipients), or set forecast.enabled to false");
    if (config.spikes.enabled && !hasAny(config.spikes.recipients)) issue(["spikes"], "must list recipients (or set top-level recipients), or set spikes.enabled to false");
    for (const name of ["daily", "weekly"] as const) {
      if (config.reports[name].enabled && !hasAny(config.reports[name].recipients)) issue(["reports", name], "must list recipients (or set top-level recipients)");
    }
  }
  checkTeams(raw, config, issue);
  // One spike rule set, in core/spikes: each override is checked alone so the problem names its key.
  for (const key of spikeOptionKeys) {
    if (spikeOverrides[key] === undefined) continue;
    try {
      resolveSpikeOptions({ [key]: spikeOverrides[key] });
    } catch (error) {
      issue(["spikes", key], (error as Error).message.replace(`options.${key} `, ""));
    }
  }
  const firstIndexOfApp = new Map<string, number>();
  config.apps.forEach((app, i) => {
    const id = app.appId.toLowerCase();
    const first = firstIndexOfApp.get(id);
    if (first !== undefined) issue(["apps", i, "appId"], `repeats apps[${first}].appId (got ${app.appId})`);
    else firstIndexOfApp.set(id, i);
    if (!hasAny(app.recipients)) issue(["apps", i], "must list at least one email, slack or webhook recipient (or set top-level recipients)");
  });
  if (raw.units) {
    try {
      config.units = validateUnitCostConfig({ unitName: raw.units.name, source: raw.units.source }, "units");
    } catch (error) {
      if (!(error instanceof UnitCostConfigError)) throw error;
      issue(["units", ...error.field.split(".")], error.reason);
    }
  }
  // Clean-up acts only after a notice was delivered: with no one to deliver it to, apply would silently never act.
  if (raw.teams === undefined && config.cleanup.apply && !hasAny(config.recipients)) {
    issue(["cleanup", "apply"], "is true but no one would get the notice that must precede every act: list recipients (or set apply to false)");
  }
  if (raw.email === undefined && emailsAnyone(config)) issue(["email", "from"], "must be set when any recipient is an email address");
  return deepFreeze(config);
});

/** The resolved configuration: the schema's output. */
export type TrackerSettings = z.output<typeof trackerSettingsSchema>;

const dashboardThresholdsSchema = z.array(
  z.strictObject({ id: z.string(), amountUsd: usdAmountSchema }).refine((t) => t.id === thresholdId(t.amountUsd), {
    error: "id must be mtd-<amountUsd> (core/validators thresholdId)",
  }),
);

/** One team as the dashboard shows it: name, budget, threshold ids, and whether it is read from organisation insights only. */
const dashboardTeamSchema = z.strictObject({
  name: teamNameSchema,
  budgetMonthlyUsd: usdAmountSchema,
  thresholds: dashboardThresholdsSchema,
  /** No read token of its own: the view says it is tracked from organisation insights only (daily), without advice or clean-up. */
  insightsOnly: z.boolean().optional(),
});

/**
 * The dashboard action's own settings (DASHBOARD_SETTINGS): the account budget and the config
 * thresholds (so API thresholds can be told apart), per team the same, and the organisation's,
 * the time zone its times are written in, the runbook its alerts link to, and whether clean-up
 * runs and acts (its empty state and dates depend on it). Deliberately none of the tracker's
 * secrets. Without `teams` (a single-team deployment, or one deployed before teams), the output
 * has the one implicit team with the top-level values.
 */
export const dashboardSettingsSchema = z
  .strictObject({
    budgetMonthlyUsd: usdAmountSchema,
    thresholds: dashboardThresholdsSchema,
    teams: z.array(dashboardTeamSchema).min(1).max(MAX_TEAMS).optional(),
    organization: z.strictObject({ budgetMonthlyUsd: usdAmountSchema, thresholds: dashboardThresholdsSchema }).optional(),
    timeZone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
    runbookUrl: runbookUrlSchema.optional(),
    /** Whether the daily task runs clean-up, and whether it acts or only previews; absent in settings bound before the page showed clean-up. */
    cleanup: z.strictObject({ enabled: z.boolean(), apply: z.boolean() }).optional(),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.teams?.forEach((team, i) => {
      if (seen.has(team.name)) ctx.addIssue({ code: "custom", path: ["teams", i, "name"], message: `repeats an earlier team's name (got ${team.name})` });
      seen.add(team.name);
    });
  })
  .transform(({ teams, ...settings }) => ({
    ...settings,
    teams: (teams ?? [{ name: IMPLICIT_TEAM_NAME, budgetMonthlyUsd: settings.budgetMonthlyUsd, thresholds: settings.thresholds }]).map((team) => ({ ...team, insightsOnly: team.insightsOnly ?? false })),
  }));
/** What the dashboard reads: {@link dashboardSettingsSchema}'s output, `teams` always present. */
export type DashboardSettings = z.output<typeof dashboardSettingsSchema>;
/** One team's entry of {@link DashboardSettings}. */
export type DashboardTeamSettings = DashboardSettings["teams"][number];

/**
 * The dashboard's settings derived from the tracker's: what the stack binds, and what a local
 * run from the tracker's file needs. `insightsOnly` says which teams have no read token of
 * their own (TeamCredential.insightsOnly); none when not given.
 */
export function dashboardSettingsOf(settings: TrackerSettings, insightsOnly: (team: string) => boolean = () => false): DashboardSettings {
  const thresholdsOf = (thresholds: readonly ThresholdConfig[]) => thresholds.map((t) => ({ id: t.id, amountUsd: t.amountUsd }));
  return {
    budgetMonthlyUsd: settings.budgetMonthlyUsd,
    thresholds: thresholdsOf(settings.thresholds),
    teams: settings.teams.map((team) => ({ name: team.name, budgetMonthlyUsd: team.budgetMonthlyUsd, thresholds: thresholdsOf(team.thresholds), insightsOnly: insightsOnly(team.name) })),
    ...(settings.organization ? { organization: { budgetMonthlyUsd: settings.organization.budgetMonthlyUsd, thresholds: thresholdsOf(settings.organization.thresholds) } } : {}),
    timeZone: settings.timeZone,
    ...(settings.runbookUrl !== undefined ? { runbookUrl: settings.runbookUrl } : {}),
    cleanup: { enabled: settings.cleanup.enabled, apply: settings.cleanup.apply },
  };
}

/** Problem lines shown at most; the rest are counted, so 100,000 bad entries print a short error. */
export const MAX_PROBLEM_LINES = 20;
const MAX_KEY_CHARS = 40;
const MAX_UNKNOWN_KEYS_LISTED = 3;

function shortKey(key: PropertyKey): string {
  const text = String(key);
  return text.length > MAX_KEY_CHARS ? `${text.slice(0, MAX_KEY_CHARS - 3)}...` : text;
}

/** `billing.thresholds[2].amountUsd` from a prefix and an issue path; keys are cut to 40 characters. */
export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const segment of path) text += typeof segment === "number" ? `[${segment}]` : text === "" ? shortKey(segment) : `.${shortKey(segment)}`;
  return text;
}

/** Words for zod's built-in issue kinds, used where the schema gave no message of its own. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return issue.expected === "array" ? "must be a list" : issue.expected === "object" ? "must be an object" : issue.expected === "boolean" ? "must be true or false" : `must be a ${issue.expected}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "unrecognized_keys": {
      // The object's own keys, so the line says what would have been accepted.
      const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
      return shape ? `allowed: ${Object.keys(shape).join(", ")}` : "unknown keys";
    }
    default:
      return undefined;
  }
}

/** Parse options every entry point uses: inputs reported (for "got …") and plain-words defaults. */
export const SETTINGS_PARSE_OPTIONS = { reportInput: true, error: defaultMessage } as const;

/** Where a problem is: a prefix for the path (`do-cost-guard:billing`), or a function placing a path itself. */
export type ProblemPlace = string | ((path: readonly PropertyKey[]) => string);

/**
 * One line per problem, `<path> <what is wrong> (got <value>)`, bounded and secret-free:
 * keys in paths are cut to 40 characters, unknown keys are listed at most three at a time
 * ("and N more"), quoted values go through describeValue (URLs, tokens and passwords are
 * never shown), and past {@link MAX_PROBLEM_LINES} lines the rest are only counted.
 * `place` names where the settings came from: a prefix such as `do-cost-guard:billing`
 * (empty: paths as they are, `rootName` for the whole object) or a function from path to name.
 */
export function formatSettingsIssues(issues: readonly z.core.$ZodIssue[], place: ProblemPlace = "", rootName = "the config"): string[] {
  const placeOf = typeof place === "function" ? place : (path: readonly PropertyKey[]) => (path.length === 0 && place === "" ? rootName : formatPath(place, path));
  const lines: string[] = [];
  for (const issue of issues.slice(0, MAX_PROBLEM_LINES)) {
    const where = placeOf(issue.path);
    if (issue.code === "unrecognized_keys") {
      const listed = issue.keys.slice(0, MAX_UNKNOWN_KEYS_LISTED).map(shortKey).join(", ");
      const more = issue.keys.length > MAX_UNKNOWN_KEYS_LISTED ? ` and ${issue.keys.length - MAX_UNKNOWN_KEYS_LISTED} more` : "";
      lines.push(`${where} has unknown key${issue.keys.length === 1 ? "" : "s"} ${listed}${more} (${issue.message})`);
      continue;
    }
    // Lists and strings that are too long are not quoted back (that is how a 10 MiB value would return).
    const showsInput = issue.code !== "custom" && issue.input !== undefined && !((issue.code === "too_big" || issue.code === "too_small") && issue.origin !== "number") && "input" in issue;
    lines.push(`${where} ${issue.message}${showsInput ? ` (got ${describeValue(issue.input)})` : ""}`);
  }
  if (issues.length > MAX_PROBLEM_LINES) lines.push(`and ${issues.length - MAX_PROBLEM_LINES} more problems`);
  return lines;
}

/** The result of {@link parseTrackerSettings}: the settings, or every problem as a line. */
export type SettingsResult = { ok: true; settings: TrackerSettings } | { ok: false; problems: string[] };

/** Validates and resolves tracker settings; problems are placed by `place` (see {@link formatSettingsIssues}). */
export function parseTrackerSettings(input: unknown, place: ProblemPlace = ""): SettingsResult {
  const result = trackerSettingsSchema.safeParse(input, SETTINGS_PARSE_OPTIONS);
  if (result.success) return { ok: true, settings: result.data };
  return { ok: false, problems: formatSettingsIssues(result.error.issues, place) };
}

/** True when any resolved audience has an email address: then an SMTP server and `email.from` are needed. */
export function emailsAnyone(settings: TrackerSettings): boolean {
  const audiences = [
    ...settings.teams.flatMap((team) => [...team.thresholds, team.forecast, team.spikes, team.reports.daily, team.reports.weekly]),
    ...settings.apps,
    ...(settings.organization?.thresholds ?? []),
  ];
  return audiences.some((section) => section.recipients.email.length > 0);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
