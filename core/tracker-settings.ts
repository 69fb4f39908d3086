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
  ...recipientsShape,
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
  loadBalancerIdleMaxConnections: z.number().int().min(0).optional(),
  databaseCpuLowPct: percentBelow100.optional(),
  databaseMemoryLowPct: percentBelow100.optional(),
  requireTags: requireTagsSchema.optional(),
});

/** Safe clean-up of `expires:`-tagged resources. Defaults: core/cleanup/plan.ts; off unless enabled. */
export const cleanupSettingsSchema = z.strictObject({
  enabled: enabledSchema,
  /** Act (needs the write-scoped token); otherwise a dry run that only reports and sends notices. */
  apply: z.boolean().optional(),
  tagKey: z.string().regex(TAG_KEY, { error: "must be a tag key: letters, digits, - and _" }).optional(),
  noticeDays: days(60).optional(),
  graceDays: days(60).optional(),
  protectedTag: z.string().regex(DO_TAG, { error: "must be a DigitalOcean tag (letters, digits, _, -, :)" }).optional(),
  denyList: z.array(z.string().min(1).max(255)).max(500).optional(),
  dropletAction: z.enum(["snapshot-then-destroy", "power-off"]).optional(),
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
  recipients: Recipients;
}

/** The validated, resolved tracker configuration (the schema's output). */
export interface TrackerConfig {
  /** Monthly account budget the forecast is compared with. */
  budgetMonthlyUsd: number;
  /** Ascending by amount. */
  thresholds: readonly ThresholdConfig[];
  forecast: { enabled: boolean; recipients: Recipients };
  spikes: { enabled: boolean; options: SpikeOptions; recipients: Recipients };
  reports: { daily: ReportConfig; weekly: ReportConfig };
  /** Unit cost for the weekly report (per active restaurant, …); absent when not configured. */
  units?: UnitCostConfig;
  email: { from: string };
  /** `do:team:<uuid>`: enables billing insights in `history`. */
  accountUrn?: string;
  /** Linked from every notification when set. */
  dashboardUrl?: string;
  /** IANA time zone the dashboard writes times in (default {@link DEFAULT_TIME_ZONE}). */
  timeZone: string;
  /** The hosted runbook page (docs/runbook.md) the dashboard links alerts into, when set. */
  runbookUrl?: string;
  /** Apps whose memory and daily bandwidth `check` watches; empty when none are configured. */
  apps: readonly AppWatchConfig[];
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

/** Defaults applied: the resolved configuration, before the cross-field checks. */
function resolve(raw: RawSettings): { config: TrackerConfig; spikeOverrides: Partial<SpikeOptions> } {
  const defaults = recipientsOf(raw.recipients);
  const written: (RawRecipients & { amountUsd: number })[] = raw.thresholds ?? DEFAULT_THRESHOLD_AMOUNTS_USD.map((amountUsd) => ({ amountUsd }));
  const thresholds = written.map((t) => ({
    id: thresholdId(t.amountUsd),
    amountUsd: t.amountUsd,
    recipients: audience(t, defaults),
  }));
  const spikeOverrides: Partial<SpikeOptions> = {};
  for (const key of spikeOptionKeys) if (raw.spikes?.[key] !== undefined) spikeOverrides[key] = raw.spikes[key];
  const report = (section: z.output<typeof reportSchema> | undefined): ReportConfig => ({
    enabled: section?.enabled ?? section !== undefined,
    recipients: audience(section, defaults),
  });
  const apps = (raw.apps ?? []).map((app): AppWatchConfig => {
    const window = app.window ?? APP_RULES.memory.defaultWindow;
    return {
      name: app.name,
      appId: app.appId,
      memoryThresholdPercent: app.memoryThresholdPercent ?? APP_RULES.memory.defaultThreshold,
      window,
      windowMinutes: WINDOW_MINUTES[window],
      ...(app.bandwidthAllowanceGiBPerDay !== undefined ? { bandwidthAllowanceGiBPerDay: app.bandwidthAllowanceGiBPerDay } : {}),
      recipients: audience(app, defaults),
    };
  });
  const config: TrackerConfig = {
    budgetMonthlyUsd: raw.budgetMonthlyUsd,
    thresholds,
    forecast: { enabled: raw.forecast?.enabled ?? true, recipients: audience(raw.forecast, defaults) },
    spikes: { enabled: raw.spikes?.enabled ?? true, options: { ...DEFAULT_SPIKE_OPTIONS, ...spikeOverrides }, recipients: audience(raw.spikes, defaults) },
    reports: { daily: report(raw.reports?.daily), weekly: report(raw.reports?.weekly) },
    email: { from: raw.email?.from ?? FALLBACK_SENDER },
    ...(raw.accountUrn !== undefined ? { accountUrn: raw.accountUrn } : {}),
    ...(raw.dashboardUrl !== undefined ? { dashboardUrl: raw.dashboardUrl } : {}),
    timeZone: raw.timeZone ?? DEFAULT_TIME_ZONE,
    ...(raw.runbookUrl !== undefined ? { runbookUrl: raw.runbookUrl } : {}),
    apps,
    recipients: hasAny(defaults) ? defaults : audience(raw.forecast, defaults),
    advice: resolveAdvice(raw.advice),
    cleanup: resolveCleanup(raw.cleanup),
    calibration: { enabled: raw.calibration?.enabled ?? true },
  };
  return { config, spikeOverrides };
}

/**
 * The schema: input rules, then defaults resolved and the cross-field rules checked on the
 * result, output the frozen {@link TrackerConfig}. Use {@link parseTrackerSettings} for a
 * typed result or problems; use this directly to compose (`safeParse`) or to embed.
 */
export const trackerSettingsSchema = trackerSettingsInputSchema.transform((raw, ctx): TrackerConfig => {
  const { config, spikeOverrides } = resolve(raw);
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

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
  if (raw.email === undefined && emailsAnyone(config)) issue(["email", "from"], "must be set when any recipient is an email address");
  return deepFreeze(config);
});

/** The resolved configuration: the schema's output. */
export type TrackerSettings = z.output<typeof trackerSettingsSchema>;

/**
 * The dashboard action's own settings (DASHBOARD_SETTINGS): the account budget and the config
 * thresholds, so API thresholds can be told apart, the time zone its times are written in and
 * the runbook its alerts link to. Deliberately none of the tracker's secrets.
 */
export const dashboardSettingsSchema = z.strictObject({
  budgetMonthlyUsd: usdAmountSchema,
  thresholds: z.array(
    z.strictObject({ id: z.string(), amountUsd: usdAmountSchema }).refine((t) => t.id === thresholdId(t.amountUsd), {
      error: "id must be mtd-<amountUsd> (core/validators thresholdId)",
    }),
  ),
  timeZone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
  runbookUrl: runbookUrlSchema.optional(),
});
export type DashboardSettings = z.output<typeof dashboardSettingsSchema>;

/** The dashboard's settings derived from the tracker's: what a local run from the tracker's file needs. */
export function dashboardSettingsOf(settings: TrackerSettings): DashboardSettings {
  return {
    budgetMonthlyUsd: settings.budgetMonthlyUsd,
    thresholds: settings.thresholds.map((t) => ({ id: t.id, amountUsd: t.amountUsd })),
    timeZone: settings.timeZone,
    ...(settings.runbookUrl !== undefined ? { runbookUrl: settings.runbookUrl } : {}),
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
  const audiences = [...settings.thresholds, ...settings.apps, settings.forecast, settings.spikes, settings.reports.daily, settings.reports.weekly];
  return audiences.some((section) => section.recipients.email.length > 0);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
