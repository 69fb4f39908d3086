/**
 * The one place that reads stack configuration.
 *
 * `loadConfig()` reads every `do-cost-guard:*` key, validates all of it, and returns a typed,
 * frozen `StackConfig`; components receive their slice through `args` and never read config.
 * Invalid input fails `pulumi preview` (and the offline plan) with one line per problem, each
 * naming the key, so a user fixes everything in one pass instead of one error per preview.
 * The keys are declared, with descriptions and defaults, in Pulumi.yaml.
 *
 * The tracker's settings are composed here as an OBJECT from `billing`, the App Platform
 * targets of `alertTargets` and the alert destinations, and validated by the tracker's own
 * schema (core/tracker-settings.ts): `billing` uses the schema's key names, so a problem's
 * path is the stack key's path.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  appWatchesOf,
  MONITOR_WINDOWS,
  RULES_BY_KIND,
  TARGET_KINDS,
  type AlertDestinations,
  type AlertTarget,
  type MonitorWindow,
  type RuleSetting,
  type TargetKind,
  type ThresholdUnit,
} from "./alerts/rules";
import { parseCron } from "./core/cron";
import { DEFAULT_TRACKER_TIMEOUT_SECONDS, FUNCTIONS_LIMITS } from "./core/functions-limits";
import { REQUIRE_TAGS_DEFAULTS, type RequireTagsConfig } from "./core/tags";
import { credentialOf, parseSecretMap, resolveTeamCredentials, teamPasswordProblems, type CredentialPlaces, type TeamCredentials } from "./core/team-credentials";
import {
  emailAddressSchema,
  emailsAnyone,
  formatPath,
  formatSettingsIssues,
  SETTINGS_PARSE_OPTIONS,
  slackTargetSchema,
  thresholdLadderSchema,
  trackerSettingsInputSchema,
  adviceSettingsSchema,
  requireTagsSchema,
  dashboardSettingsOf,
  trackerSettingsSchema,
  usdAmountSchema,
  TEAM_NAME_PATTERN,
  type DashboardSettings,
  type TrackerSettings,
  type TrackerSettingsInput,
} from "./core/tracker-settings";
import {
  dashboardPasswordProblem,
  describeValue,
  MAX_RECIPIENTS_PER_LIST,
  postgresUrlProblem,
  slackWebhookUrlProblem,
  smtpUrlProblem,
} from "./core/validators";
import type { TrackerSchedules } from "./functions/deploy/cost-tracker";

export const PROJECT = "do-cost-guard";

/** Config keys, without the `do-cost-guard:` namespace. */
export const CONFIG_KEYS = {
  alertEmails: "alertEmails",
  alertSlackChannel: "alertSlackChannel",
  alertSlackWebhookUrl: "alertSlackWebhookUrl",
  alertTargets: "alertTargets",
  billing: "billing",
  tracker: "tracker",
  trackerDigitalOceanToken: "trackerDigitalOceanToken",
  trackerDatabaseUrl: "trackerDatabaseUrl",
  trackerSmtpUrl: "trackerSmtpUrl",
  dashboardPassword: "dashboardPassword",
  // Optional secrets (alertSlackWebhookUrl, trackerSmtpUrl, trackerCleanupToken, and the ones
  // below) are listed under Pulumi.yaml's template.config, not config: a declared key without a
  // default is required of every stack (pulumi/pulumi#21797); this file asks for each only when
  // the settings need it. trackerDigitalOceanToken is one of them since billing.teams: a stack
  // with teams reads each team with its own token instead.
  trackerCleanupToken: "trackerCleanupToken",
  trackerOrganizationToken: "trackerOrganizationToken",
  trackerTeamTokens: "trackerTeamTokens",
  trackerTeamCleanupTokens: "trackerTeamCleanupTokens",
  dashboardTeamPasswords: "dashboardTeamPasswords",
} as const;

/** The cost tracker's deployment on DigitalOcean Functions. */
export interface TrackerDeployment<SecretString = pulumi.Output<string>> {
  /** Functions namespace region (a datacenter slug such as nyc1). */
  readonly region: string;
  readonly schedules: TrackerSchedules;
  /** Memory limit of the tracker action; DigitalOcean bills GiB-seconds of the limit. */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Requests each run's advice slice may spend (`billing.advice.requestBudget`); null when advice is off. Sizes the cost estimate. */
  readonly adviceRequestBudget: number | null;
  /** The tracker's settings as validated (core/tracker-settings.ts input), JSON; secret because it holds Slack and webhook URLs. */
  readonly trackerSettingsJson: SecretString;
  /** The dashboard's own settings: budgets, config thresholds and teams, no secrets of the tracker. */
  readonly dashboardSettings: DashboardSettings;
  /** Single-team stacks only (no `billing.teams`): the read-only DigitalOcean token the tracker runs with. */
  readonly digitalOceanToken?: SecretString;
  readonly databaseUrl: SecretString;
  /** Only when some recipient is an email address: a stack that emails nobody sets no SMTP secret. */
  readonly smtpUrl?: SecretString;
  readonly dashboardPassword: SecretString;
  /** Single-team stacks only, when `billing.cleanup.apply` is on: the write-scoped token clean-up acts with. */
  readonly cleanupToken?: SecretString;
  /** With `billing.organizationUrn`: the token that reads organisation insights and lists teams. */
  readonly organizationToken?: SecretString;
  /** With `billing.teams`, when any team has one: `{team name: read token}` as JSON. */
  readonly teamTokens?: SecretString;
  /** With `billing.teams` and `billing.cleanup.apply`, when any team has one: `{team name: write token}` as JSON. */
  readonly teamCleanupTokens?: SecretString;
  /** With `billing.teams`, when any is set: `{team name: dashboard password}` as JSON. */
  readonly dashboardTeamPasswords?: SecretString;
}

/** Validated stack configuration; secrets (Slack URL, tokens, passwords) stay Pulumi secrets. */
export interface StackConfig<SecretString = pulumi.Output<string>> {
  readonly alerts: {
    readonly destinations: AlertDestinations<SecretString>;
    readonly targets: readonly AlertTarget[];
  };
  readonly tracker: TrackerDeployment<SecretString>;
}

/** Every problem found in the configuration, one line each, each naming its key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid ${PROJECT} stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Raw values as Pulumi hands them over: strings, with objects and arrays JSON-encoded. */
export type RawConfigReader = (key: string) => string | undefined;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DROPLET_ID = /^[1-9][0-9]*$/;
// DigitalOcean tag names: specification/resources/tags/models/tags.yml (`^[a-zA-Z0-9_\-\:]+$`, ≤ 255).
const TAG = /^[a-zA-Z0-9_\-:]{1,255}$/;
const TARGET_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const TARGET_KEYS = new Set(["kind", "name", "id", "ids", "tag", "rules", "team"]);
const RULE_KEYS = new Set(["threshold", "window", "enabled"]);

/** Which selectors each kind accepts, and what an id of that kind looks like. */
const SELECTORS: Record<TargetKind, { id: RegExp; idWord: string; tag: boolean; many: boolean }> = {
  database: { id: UUID, idWord: "a database cluster uuid", tag: true, many: false },
  droplet: { id: DROPLET_ID, idWord: "a numeric droplet id", tag: true, many: true },
  loadBalancer: { id: UUID, idWord: "a load balancer uuid", tag: false, many: true },
  app: { id: UUID, idWord: "an app uuid", tag: false, many: false },
};

const key = (k: string) => `${PROJECT}:${k}`;

/** Validates one stack key's value with a schema; problems are prefixed with the key, so paths name it. */
function checkKey<T extends z.ZodType>(schema: T, value: unknown, k: string, problems: string[]): z.output<T> | undefined {
  const result = schema.safeParse(value, SETTINGS_PARSE_OPTIONS);
  if (result.success) return result.data;
  problems.push(...formatSettingsIssues(result.error.issues, key(k)));
  return undefined;
}

/** `alertEmails`: the schema's email rule and list cap, plus no repeats. */
const alertEmailsSchema = z.array(emailAddressSchema).max(MAX_RECIPIENTS_PER_LIST, { error: `must list at most ${MAX_RECIPIENTS_PER_LIST} email addresses` });

/**
 * `billing`: the tracker settings' own keys (same names, same sub-schemas), minus the
 * recipients, which come from the alert destinations; reports are switches here.
 */
export const billingSchema = z.strictObject({
  budgetMonthlyUsd: usdAmountSchema,
  thresholds: thresholdLadderSchema.optional(),
  email: trackerSettingsInputSchema.shape.email,
  reports: z.strictObject({ daily: z.boolean().optional(), weekly: z.boolean().optional() }).optional(),
  units: trackerSettingsInputSchema.shape.units,
  accountUrn: trackerSettingsInputSchema.shape.accountUrn,
  timeZone: trackerSettingsInputSchema.shape.timeZone,
  runbookUrl: trackerSettingsInputSchema.shape.runbookUrl,
  organizationUrn: trackerSettingsInputSchema.shape.organizationUrn,
  organization: trackerSettingsInputSchema.shape.organization,
  teams: trackerSettingsInputSchema.shape.teams,
  // The tag requirement is not here: it is the pack's do-resource-require-tags entry in policy-config.json, read by both.
  advice: adviceSettingsSchema.omit({ requireTags: true }).optional(),
  cleanup: trackerSettingsInputSchema.shape.cleanup,
  calibration: trackerSettingsInputSchema.shape.calibration,
});
export type BillingConfig = z.output<typeof billingSchema>;

/** The policy pack's config file, beside this one: the pack reads it for previews, the stack for the tracker. */
export const POLICY_CONFIG_FILE = "policy-config.json";
const REQUIRE_TAGS_POLICY = "do-resource-require-tags";

/** What the stack takes from the pack's config: the tag requirement, so the runtime untagged report and the pack agree. */
export interface PackSettings {
  requireTags?: RequireTagsConfig;
}

/**
 * The `do-resource-require-tags` entry of the pack's config file (an enforcement level alone,
 * or `{requiredKeys, allowedValues, enforcementLevel}`); none when the file or the entry is
 * absent, so the pack's own defaults (core/tags) apply to both. A malformed file is a
 * ConfigError naming it: a silently wrong tag rule would make the two disagree.
 */
export function readPackSettings(file: string): PackSettings {
  if (!existsSync(file)) return {};
  const where = path.basename(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError([`${where} is not valid JSON (${(error as Error).message.slice(0, 120)})`]);
  }
  const entry = isRecord(raw) ? raw[REQUIRE_TAGS_POLICY] : undefined;
  if (!isRecord(entry)) return {};
  const result = requireTagsSchema.partial().extend({ enforcementLevel: z.enum(["advisory", "mandatory", "remediate", "disabled"]).optional() }).safeParse(entry, SETTINGS_PARSE_OPTIONS);
  if (!result.success) throw new ConfigError(formatSettingsIssues(result.error.issues, `${where} ${REQUIRE_TAGS_POLICY}`));
  return { requireTags: { requiredKeys: result.data.requiredKeys ?? REQUIRE_TAGS_DEFAULTS.requiredKeys, allowedValues: result.data.allowedValues ?? {} } };
}

/**
 * Validates raw configuration and returns it typed, or throws `ConfigError` listing every
 * problem. Pure apart from its reader, so tests drive it with plain objects.
 */
export function parseStackConfig(read: RawConfigReader, pack: PackSettings = {}): StackConfig<string> {
  const problems: string[] = [];

  const problemsBeforeDestinations = problems.length;
  const emailsRaw = readJson(read, CONFIG_KEYS.alertEmails, [], problems);
  const emails = checkKey(alertEmailsSchema, emailsRaw, CONFIG_KEYS.alertEmails, problems) ?? [];
  const emailList: string[] = [];
  emails.forEach((email, i) => {
    if (emailList.includes(email.toLowerCase())) problems.push(`${key(CONFIG_KEYS.alertEmails)}[${i}] repeats ${email}`);
    else emailList.push(email.toLowerCase());
  });

  // An empty channel means "no Slack": the webhook URL is then neither needed nor read.
  const channel = read(CONFIG_KEYS.alertSlackChannel)?.trim() ?? "";
  const webhookUrl = read(CONFIG_KEYS.alertSlackWebhookUrl) ?? "";
  let slack: { channel: string; url: string } | undefined;
  if (channel !== "") {
    const channelOk = checkKey(slackTargetSchema.shape.channel, channel, CONFIG_KEYS.alertSlackChannel, problems) !== undefined;
    // Never echo the value: it is a secret.
    const urlProblem = webhookUrl === "" ? `is required when ${key(CONFIG_KEYS.alertSlackChannel)} is set: pulumi config set --secret ${CONFIG_KEYS.alertSlackWebhookUrl} <url>` : slackWebhookUrlProblem(webhookUrl);
    if (urlProblem) problems.push(`${key(CONFIG_KEYS.alertSlackWebhookUrl)} ${urlProblem}`);
    else if (channelOk) slack = { channel, url: webhookUrl };
  }
  if (Array.isArray(emailsRaw) && emailsRaw.length === 0 && channel === "") {
    problems.push(`no alert destination: set ${key(CONFIG_KEYS.alertEmails)} and/or ${key(CONFIG_KEYS.alertSlackChannel)} (with ${key(CONFIG_KEYS.alertSlackWebhookUrl)})`);
  }
  const destinationsValid = problems.length === problemsBeforeDestinations;

  const rawTargets = readJson(read, CONFIG_KEYS.alertTargets, [], problems);
  const targets: AlertTarget[] = [];
  // Which alertTargets index each app watch came from, so a tracker problem about apps[j] names the target.
  const targetIndexOfApp: number[] = [];
  if (!Array.isArray(rawTargets)) {
    problems.push(`${key(CONFIG_KEYS.alertTargets)} must be a list of targets (got ${describeValue(rawTargets)})`);
  } else {
    // Names become resource names, so they are unique across kinds; ids and tags only within one.
    const seen = new Map<string, number>();
    rawTargets.forEach((raw, i) => {
      const target = parseTarget(raw, `${key(CONFIG_KEYS.alertTargets)}[${i}]`, problems);
      if (!target) return;
      const identities = [
        `name ${target.name}`,
        ...target.ids.map((id) => `${target.kind} id ${id}`),
        ...(target.tag ? [`${target.kind} tag ${target.tag}`] : []),
      ];
      for (const identity of identities) {
        const first = seen.get(identity);
        if (first !== undefined) {
          problems.push(`${key(CONFIG_KEYS.alertTargets)}[${i}] duplicates alertTargets[${first}] (same ${identity})`);
          return;
        }
      }
      identities.forEach((identity) => seen.set(identity, i));
      if (target.kind === "app" && target.rules.memory?.enabled) targetIndexOfApp.push(i);
      targets.push(target);
    });
  }

  // Billing notifications go to the alert destinations: when those are wrong, the tracker's
  // "no recipients" complaints would only repeat the same problem.
  const tracker = parseTrackerDeployment(read, destinationsValid ? { emails: emailList, slack } : undefined, targets, targetIndexOfApp, pack, problems);

  if (problems.length > 0 || !tracker) throw new ConfigError(problems);
  return deepFreeze({ alerts: { destinations: { emails: emailList, slack }, targets }, tracker });
}

/** Functions regions (namespaces): https://docs.digitalocean.com/products/functions/details/availability/, read 2026-11-27. */
const FUNCTIONS_REGIONS = ["ams3", "blr1", "fra1", "lon1", "nyc1", "sfo3", "sgp1", "syd1", "tor1"];
const TRACKER_KEYS = new Set(["region", "schedules", "memoryMb", "timeoutSeconds"]);
const SCHEDULE_NAMES = ["check", "daily", "weekly"] as const;
/** Defaults: check hourly; reports at 07:00 UTC (before a European or American working day), weekly on Mondays. */
export const DEFAULT_SCHEDULES: TrackerSchedules = { check: "0 * * * *", daily: "0 7 * * *", weekly: "0 7 * * 1" };

/**
 * The tracker settings as an object: `billing` as written (its keys are the schema's), every
 * notification to the alert destinations unless a threshold or a team names its own recipients
 * (then those, plus the Slack channel), and one app watch per App Platform target.
 */
export function composeTrackerSettings(
  billing: BillingConfig,
  destinations: { emails: readonly string[]; slack?: { channel: string; url: string } },
  targets: readonly AlertTarget[],
  requireTags?: RequireTagsConfig,
): TrackerSettingsInput {
  const slack = destinations.slack ? [destinations.slack] : [];
  // An audience of its own still reaches the alert Slack channel, unless it names its own Slack.
  const withSlack = <T extends { email?: unknown[]; slack?: unknown[]; webhook?: unknown[] }>(section: T): T => {
    const own = (section.email?.length ?? 0) + (section.slack?.length ?? 0) + (section.webhook?.length ?? 0) > 0;
    return own && section.slack === undefined ? { ...section, slack } : section;
  };
  const thresholds = billing.thresholds?.map(withSlack);
  const teams = billing.teams?.map((team) => ({
    ...team,
    ...(team.recipients === undefined ? {} : { recipients: withSlack(team.recipients) }),
    ...(team.thresholds === undefined ? {} : { thresholds: team.thresholds.map(withSlack) }),
  }));
  const organization = billing.organization && {
    ...billing.organization,
    ...(billing.organization.thresholds === undefined ? {} : { thresholds: billing.organization.thresholds.map(withSlack) }),
  };
  return {
    budgetMonthlyUsd: billing.budgetMonthlyUsd,
    recipients: { email: [...destinations.emails], slack },
    ...(thresholds === undefined ? {} : { thresholds }),
    forecast: { enabled: true },
    spikes: { enabled: true },
    reports: { daily: { enabled: billing.reports?.daily !== false }, weekly: { enabled: billing.reports?.weekly !== false } },
    ...(billing.units === undefined ? {} : { units: billing.units }),
    ...(billing.email === undefined ? {} : { email: billing.email }),
    ...(billing.accountUrn === undefined ? {} : { accountUrn: billing.accountUrn }),
    ...(billing.timeZone === undefined ? {} : { timeZone: billing.timeZone }),
    ...(billing.runbookUrl === undefined ? {} : { runbookUrl: billing.runbookUrl }),
    ...(billing.organizationUrn === undefined ? {} : { organizationUrn: billing.organizationUrn }),
    ...(organization === undefined ? {} : { organization }),
    ...(teams === undefined ? {} : { teams }),
    apps: appWatchesOf(targets),
    ...(billing.advice === undefined && requireTags === undefined ? {} : { advice: { ...billing.advice, ...(requireTags ? { requireTags } : {}) } }),
    ...(billing.cleanup === undefined ? {} : { cleanup: billing.cleanup }),
    ...(billing.calibration === undefined ? {} : { calibration: billing.calibration }),
  };
}

/** Where each app-watch field comes from in an app target. */
const APP_WATCH_FIELD_RULE: Readonly<Record<string, string>> = {
  memoryThresholdPercent: ".rules.memory.threshold",
  window: ".rules.memory.window",
  bandwidthAllowanceGiBPerDay: ".rules.dailyBandwidth.threshold",
  appId: ".id",
  name: ".name",
  team: ".team",
};

/**
 * The stack key a tracker-settings path came from: billing's keys are the schema's, so those
 * paths only gain the prefix; an app watch is its alertTargets entry; recipients are the
 * alert destinations.
 */
function stackPathOf(path: readonly PropertyKey[], targetIndexOfApp: readonly number[]): string {
  const [top, index, field] = path;
  if (top === "apps" && typeof index === "number") {
    const target = `${key(CONFIG_KEYS.alertTargets)}[${targetIndexOfApp[index] ?? index}]`;
    return `${target}${APP_WATCH_FIELD_RULE[String(field)] ?? ""}`;
  }
  if (top === "recipients") return key(path[1] === "slack" ? CONFIG_KEYS.alertSlackWebhookUrl : CONFIG_KEYS.alertEmails);
  if (top === "reports") return formatPath(key(CONFIG_KEYS.billing), path.slice(0, 2));
  return formatPath(key(CONFIG_KEYS.billing), path);
}

/**
 * The tracker's deployment: where and when it runs, its settings composed from `billing`,
 * the alert destinations and the app targets and validated by the tracker's own schema (so
 * the stack and the function can never disagree on what is valid), the dashboard's own
 * settings, and the secrets each action needs.
 */
function parseTrackerDeployment(
  read: RawConfigReader,
  destinations: { emails: readonly string[]; slack?: { channel: string; url: string } } | undefined,
  targets: readonly AlertTarget[],
  targetIndexOfApp: readonly number[],
  pack: PackSettings,
  problems: string[],
): TrackerDeployment<string> | undefined {
  const before = problems.length;
  const rawTracker = readJson(read, CONFIG_KEYS.tracker, {}, problems);
  const tracker = isRecord(rawTracker) ? rawTracker : {};
  if (!isRecord(rawTracker)) problems.push(`${key(CONFIG_KEYS.tracker)} must be an object {region, schedules, memoryMb, timeoutSeconds} (got ${describeValue(rawTracker)})`);
  for (const k of Object.keys(tracker)) if (!TRACKER_KEYS.has(k)) problems.push(`${key(CONFIG_KEYS.tracker)}.${describeValue(k, 40).replace(/^"|"$/g, "")} is not a known key (expected one of ${[...TRACKER_KEYS].join(", ")})`);
  const region = tracker.region ?? "nyc1";
  if (typeof region !== "string" || !FUNCTIONS_REGIONS.includes(region)) problems.push(`${key(CONFIG_KEYS.tracker)}.region must be a Functions region: ${FUNCTIONS_REGIONS.join(", ")} (got ${describeValue(region)})`);
  const rawSchedules = tracker.schedules ?? {};
  const schedules: Record<string, string> = { ...DEFAULT_SCHEDULES };
  if (!isRecord(rawSchedules)) {
    problems.push(`${key(CONFIG_KEYS.tracker)}.schedules must be an object {check, daily, weekly} of cron strings (got ${describeValue(rawSchedules)})`);
  } else {
    for (const [name, cron] of Object.entries(rawSchedules)) {
      const at = `${key(CONFIG_KEYS.tracker)}.schedules.${describeValue(name, 40).replace(/^"|"$/g, "")}`;
      if (!(SCHEDULE_NAMES as readonly string[]).includes(name)) problems.push(`${at} is not a known schedule (expected ${SCHEDULE_NAMES.join(", ")})`);
      else if (typeof cron !== "string") problems.push(`${at} must be a cron string like "0 * * * *" (got ${describeValue(cron)})`);
      else {
        try {
          parseCron(cron);
          schedules[name] = cron;
        } catch (err) {
          problems.push(`${at}: ${(err as Error).message}`);
        }
      }
    }
  }
  // DigitalOcean Functions' limits (core/functions-limits.ts, which cites them).
  const { minMemoryMb, maxMemoryMb, defaultMemoryMb, maxTimeoutSeconds } = FUNCTIONS_LIMITS;
  const memoryMb = tracker.memoryMb ?? defaultMemoryMb;
  if (typeof memoryMb !== "number" || !Number.isInteger(memoryMb) || memoryMb < minMemoryMb || memoryMb > maxMemoryMb) problems.push(`${key(CONFIG_KEYS.tracker)}.memoryMb must be a whole number from ${minMemoryMb} to ${maxMemoryMb} (got ${describeValue(memoryMb)})`);
  const timeoutSeconds = tracker.timeoutSeconds ?? DEFAULT_TRACKER_TIMEOUT_SECONDS;
  if (typeof timeoutSeconds !== "number" || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > maxTimeoutSeconds) problems.push(`${key(CONFIG_KEYS.tracker)}.timeoutSeconds must be a whole number from 1 to ${maxTimeoutSeconds} (got ${describeValue(timeoutSeconds)})`);

  const rawBilling = readJson(read, CONFIG_KEYS.billing, {}, problems);
  const billing = checkKey(billingSchema, rawBilling, CONFIG_KEYS.billing, problems);
  let settingsInput: TrackerSettingsInput | undefined;
  let settings: TrackerSettings | undefined;
  if (billing && destinations) {
    settingsInput = composeTrackerSettings(billing, destinations, targets, pack.requireTags);
    const result = trackerSettingsSchema.safeParse(settingsInput, SETTINGS_PARSE_OPTIONS);
    if (result.success) settings = result.data;
    // Every field was checked above with the same sub-schemas; what is left are the cross-field rules, placed by their stack key.
    else problems.push(...formatSettingsIssues(result.error.issues, (path) => stackPathOf(path, targetIndexOfApp)));
  }

  // Until the settings are known, assume email (the safe side: ask for the SMTP secret).
  const usesEmail = settings ? emailsAnyone(settings) : true;
  const secret = (k: keyof typeof CONFIG_KEYS, problemOf: (v: string) => string | undefined, why = ""): string => {
    const value = read(CONFIG_KEYS[k]) ?? "";
    // Messages never include the value: every one of these is a secret.
    const problem = value === "" ? `is required${why}: pulumi config set --secret ${CONFIG_KEYS[k]} <value>` : problemOf(value);
    if (problem) problems.push(`${key(CONFIG_KEYS[k])} ${problem}`);
    return value;
  };
  // Known from the raw value, so a billing with other problems does not also ask for the wrong tokens.
  const withTeams = isRecord(rawBilling) && rawBilling.teams !== undefined;
  // A token reads one team: with teams each has its own (trackerTeamTokens), and trackerDigitalOceanToken is not read.
  const digitalOceanToken = withTeams ? undefined : secret("trackerDigitalOceanToken", () => undefined);
  const databaseUrl = secret("trackerDatabaseUrl", postgresUrlProblem);
  // Only a stack that emails someone needs an SMTP server; one that does not is never asked for the secret.
  const smtpUrl = usesEmail ? secret("trackerSmtpUrl", smtpUrlProblem, " when any recipient is an email address") : undefined;
  const dashboardPassword = secret("dashboardPassword", dashboardPasswordProblem);
  // Clean-up acts only with a token of its own, kept apart from the read-only one; a dry run needs none.
  const cleanupToken = !withTeams && settings?.cleanup.apply ? secret("trackerCleanupToken", () => undefined, " when billing.cleanup.apply is true (a write-scoped token)") : undefined;
  const teamSecrets = withTeams ? parseTeamSecrets(read, settings, dashboardPassword, problems) : undefined;

  if (problems.length > before || !settings || !settingsInput) return undefined;
  return {
    region: region as string,
    schedules: schedules as unknown as TrackerSchedules,
    memoryMb: memoryMb as number,
    timeoutSeconds: timeoutSeconds as number,
    adviceRequestBudget: settings.advice.enabled ? settings.advice.requestBudget : null,
    trackerSettingsJson: JSON.stringify(settingsInput),
    dashboardSettings: dashboardSettingsOf(settings, (team) => (teamSecrets?.credentials ? credentialOf(teamSecrets.credentials, team)?.insightsOnly === true : false)),
    ...(digitalOceanToken === undefined ? {} : { digitalOceanToken }),
    databaseUrl,
    ...(smtpUrl === undefined ? {} : { smtpUrl }),
    dashboardPassword,
    ...(cleanupToken === undefined ? {} : { cleanupToken }),
    ...teamSecrets?.bound,
  };
}

/** The stack keys of the per-team secrets, for problems (resolveTeamCredentials, teamPasswordProblems). */
const STACK_CREDENTIAL_PLACES: CredentialPlaces = {
  organizationToken: key(CONFIG_KEYS.trackerOrganizationToken),
  readTokens: key(CONFIG_KEYS.trackerTeamTokens),
  readToken: (team) => `${key(CONFIG_KEYS.trackerTeamTokens)}.${team}`,
  cleanupTokens: key(CONFIG_KEYS.trackerTeamCleanupTokens),
  cleanupToken: (team) => `${key(CONFIG_KEYS.trackerTeamCleanupTokens)}.${team}`,
  team: (index) => `${key(CONFIG_KEYS.billing)}.teams[${index}]`,
  cleanupApply: `${key(CONFIG_KEYS.billing)}.cleanup.apply is true`,
  organizationUrn: `${key(CONFIG_KEYS.billing)}.organizationUrn`,
};

/**
 * A stack with `billing.teams`: the organisation token, each team's read and clean-up tokens
 * and dashboard passwords (secret maps keyed by team name), checked against the teams, and
 * the JSON each action is bound. Each is read only when the settings use it; no value is ever
 * part of a problem.
 */
function parseTeamSecrets(
  read: RawConfigReader,
  settings: TrackerSettings | undefined,
  dashboardPassword: string,
  problems: string[],
): { credentials?: TeamCredentials; bound: Partial<Pick<TrackerDeployment<string>, "organizationToken" | "teamTokens" | "teamCleanupTokens" | "dashboardTeamPasswords">> } {
  const cleanupApplies = settings?.cleanup.apply ?? false;
  const readTokens = parseSecretMap(read(CONFIG_KEYS.trackerTeamTokens), key(CONFIG_KEYS.trackerTeamTokens), problems);
  const cleanupTokens = cleanupApplies ? parseSecretMap(read(CONFIG_KEYS.trackerTeamCleanupTokens), key(CONFIG_KEYS.trackerTeamCleanupTokens), problems) : new Map<string, string>();
  const passwords = parseSecretMap(read(CONFIG_KEYS.dashboardTeamPasswords), key(CONFIG_KEYS.dashboardTeamPasswords), problems);
  if (!settings || !readTokens || !cleanupTokens || !passwords) return { bound: {} };
  const teams = settings.teams.map((team) => team.name);
  problems.push(
    ...teamPasswordProblems(
      passwords,
      teams,
      dashboardPassword,
      { teamPasswords: key(CONFIG_KEYS.dashboardTeamPasswords), teamPassword: (team) => `${key(CONFIG_KEYS.dashboardTeamPasswords)}.${team}`, password: key(CONFIG_KEYS.dashboardPassword) },
      dashboardPasswordProblem,
    ),
  );
  const resolved = resolveTeamCredentials(settings, { organizationToken: read(CONFIG_KEYS.trackerOrganizationToken), readTokens, cleanupTokens }, STACK_CREDENTIAL_PLACES, cleanupApplies);
  if (!resolved.ok) {
    problems.push(...resolved.problems);
    return { bound: {} };
  }
  const { credentials } = resolved;
  // Bound only when there is something to bind: an empty map is the same as none.
  const json = (entries: [string, string | undefined][]) => {
    const present = entries.filter((entry): entry is [string, string] => entry[1] !== undefined);
    return present.length === 0 ? undefined : JSON.stringify(Object.fromEntries(present));
  };
  const teamTokens = json(credentials.teams.map((c) => [c.team, c.readToken]));
  const teamCleanupTokens = json(credentials.teams.map((c) => [c.team, c.cleanupToken]));
  const dashboardTeamPasswords = json(teams.map((team) => [team, passwords.get(team)]));
  return {
    credentials,
    bound: {
      ...(credentials.organizationToken === undefined ? {} : { organizationToken: credentials.organizationToken }),
      ...(teamTokens === undefined ? {} : { teamTokens }),
      ...(teamCleanupTokens === undefined ? {} : { teamCleanupTokens }),
      ...(dashboardTeamPasswords === undefined ? {} : { dashboardTeamPasswords }),
    },
  };
}

/**
 * Reads and validates the stack's configuration. The only `new pulumi.Config()` in the
 * program; every secret is returned as a Pulumi secret so it never lands in state or logs in
 * plain text.
 */
export function loadConfig(): StackConfig {
  const config = new pulumi.Config(PROJECT);
  const parsed = parseStackConfig((k) => config.get(k), readPackSettings(path.join(__dirname, POLICY_CONFIG_FILE)));
  const slack = parsed.alerts.destinations.slack;
  const { trackerSettingsJson, digitalOceanToken, databaseUrl, smtpUrl, dashboardPassword, cleanupToken, organizationToken, teamTokens, teamCleanupTokens, dashboardTeamPasswords, ...plain } = parsed.tracker;
  // Every secret the tracker deployment holds, as a Pulumi secret; the optional ones only when set.
  const optional = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));
  const secrets = {
    trackerSettingsJson: pulumi.secret(trackerSettingsJson),
    databaseUrl: pulumi.secret(databaseUrl),
    dashboardPassword: pulumi.secret(dashboardPassword),
    digitalOceanToken: optional(digitalOceanToken),
    smtpUrl: optional(smtpUrl),
    cleanupToken: optional(cleanupToken),
    organizationToken: optional(organizationToken),
    teamTokens: optional(teamTokens),
    teamCleanupTokens: optional(teamCleanupTokens),
    dashboardTeamPasswords: optional(dashboardTeamPasswords),
  };
  return deepFreeze({
    alerts: {
      targets: parsed.alerts.targets,
      destinations: {
        emails: parsed.alerts.destinations.emails,
        slack: slack && { channel: slack.channel, url: pulumi.secret(slack.url) },
      },
    },
    tracker: { ...plain, ...(Object.fromEntries(Object.entries(secrets).filter(([, value]) => value !== undefined)) as typeof secrets) },
  });
}

function parseTarget(raw: unknown, where: string, problems: string[]): AlertTarget | undefined {
  if (!isRecord(raw)) {
    problems.push(`${where} must be an object like {kind: database, name: orders-db, id: <uuid>} (got ${describeValue(raw)})`);
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(raw)) {
    if (!TARGET_KEYS.has(k)) problems.push(`${where}.${k} is not a known key (expected one of ${[...TARGET_KEYS].join(", ")})`);
  }
  const kind = raw.kind;
  if (typeof kind !== "string" || !(TARGET_KINDS as readonly string[]).includes(kind)) {
    problems.push(`${where}.kind must be one of ${TARGET_KINDS.join(", ")} (got ${describeValue(kind)})`);
    return undefined;
  }
  const targetKind = kind as TargetKind;
  const name = raw.name;
  if (typeof name !== "string" || !TARGET_NAME.test(name)) {
    problems.push(`${where}.name must be 1-40 lowercase letters, digits or dashes, e.g. orders-db (got ${describeValue(name)})`);
  }

  const selector = SELECTORS[targetKind];
  const ids: string[] = [];
  const idValues = raw.ids !== undefined ? raw.ids : raw.id !== undefined ? [raw.id] : [];
  const idKey = raw.ids !== undefined ? "ids" : "id";
  if (raw.ids !== undefined && raw.id !== undefined) problems.push(`${where} sets both id and ids: use one`);
  if (raw.ids !== undefined && !selector.many) problems.push(`${where}.ids is not allowed for a ${targetKind} target: use id`);
  if (!Array.isArray(idValues)) {
    problems.push(`${where}.ids must be a list (got ${describeValue(idValues)})`);
  } else {
    idValues.forEach((id, j) => {
      const text = typeof id === "number" ? String(id) : id;
      const at = idKey === "ids" ? `${where}.ids[${j}]` : `${where}.id`;
      if (typeof text !== "string" || !selector.id.test(text)) problems.push(`${at} must be ${selector.idWord} (got ${describeValue(id)})`);
      else ids.push(text);
    });
  }
  const tag = raw.tag;
  if (tag !== undefined) {
    if (!selector.tag) problems.push(`${where}.tag is not allowed for a ${targetKind} target: DigitalOcean cannot tag it, use id${selector.many ? "s" : ""}`);
    else if (typeof tag !== "string" || !TAG.test(tag)) problems.push(`${where}.tag must match DigitalOcean's tag pattern ^[a-zA-Z0-9_\\-:]+$ (≤ 255 chars) (got ${describeValue(tag)})`);
  }
  const hasIds = Array.isArray(idValues) && idValues.length > 0;
  if (targetKind === "database" && hasIds === (tag !== undefined)) {
    problems.push(`${where} must select the database by exactly one of id (a cluster uuid) or tag`);
  } else if (!hasIds && tag === undefined) {
    problems.push(`${where} selects nothing: set ${selector.tag ? "tag or " : ""}${selector.many ? "ids" : "id"}`);
  }

  // Monitor alerts are created with the deploy token; only an app watch runs per team (with that team's token).
  const team = raw.team;
  if (team !== undefined) {
    if (targetKind !== "app") problems.push(`${where}.team is only for app targets: the tracker watches apps with their team's token, monitor alerts are created with the deploy token`);
    else if (typeof team !== "string" || !TEAM_NAME_PATTERN.test(team)) problems.push(`${where}.team must be the name of one of billing.teams (got ${describeValue(team)})`);
  }

  const rules = parseRules(raw.rules, targetKind, `${where}.rules`, problems);
  if (problems.length > before || !rules) return undefined;
  return { kind: targetKind, name: name as string, ids, tag: typeof tag === "string" ? tag : undefined, rules, ...(typeof team === "string" ? { team } : {}) };
}

function parseRules(raw: unknown, kind: TargetKind, where: string, problems: string[]): Record<string, RuleSetting> | undefined {
  const table = RULES_BY_KIND[kind];
  if (raw !== undefined && !isRecord(raw)) {
    problems.push(`${where} must be an object of rule settings (got ${describeValue(raw)})`);
    return undefined;
  }
  const overrides = raw ?? {};
  for (const name of Object.keys(overrides)) {
    if (!(name in table)) problems.push(`${where}.${name} is not a ${kind} rule (expected one of ${Object.keys(table).join(", ")})`);
  }
  const rules: Record<string, RuleSetting> = {};
  for (const [name, rule] of Object.entries(table)) {
    const override = overrides[name];
    const at = `${where}.${name}`;
    const optIn = "optIn" in rule && rule.optIn === true;
    let threshold: number | null = rule.defaultThreshold;
    let window: MonitorWindow = rule.defaultWindow;
    // An opt-in rule (daily bandwidth) is off until the target mentions it.
    let enabled = !optIn || (override !== undefined && override !== false);
    if (override === false) {
      enabled = false;
    } else if (override !== undefined && override !== true) {
      if (!isRecord(override)) {
        problems.push(`${at} must be false or {threshold, window, enabled} (got ${describeValue(override)})`);
        continue;
      }
      for (const k of Object.keys(override)) {
        if (!RULE_KEYS.has(k)) problems.push(`${at}.${k} is not a known key (expected threshold, window or enabled)`);
      }
      if (override.threshold !== undefined) {
        if (typeof override.threshold !== "number" || !thresholdInRange(override.threshold, rule.unit)) {
          problems.push(`${at}.threshold ${rangeWords(rule.unit)} (got ${describeValue(override.threshold)})`);
        } else threshold = override.threshold;
      }
      if (override.window !== undefined) {
        if (typeof override.window !== "string" || !(MONITOR_WINDOWS as readonly string[]).includes(override.window)) {
          problems.push(`${at}.window must be one of ${MONITOR_WINDOWS.join(", ")} (got ${describeValue(override.window)})`);
        } else window = override.window as MonitorWindow;
      }
      if (override.enabled !== undefined) {
        if (typeof override.enabled !== "boolean") problems.push(`${at}.enabled must be true or false (got ${describeValue(override.enabled)})`);
        else enabled = override.enabled;
      }
    }
    if (threshold === null) {
      // No default exists: a rule turned on must say its threshold (alerts/rules explains why).
      if (enabled) problems.push(`${at}.threshold is required: ${rangeWords(rule.unit)} (there is no default)`);
      threshold = 0;
      enabled = false;
    }
    rules[name] = { threshold, window, enabled };
  }
  // The tracker's app watch is built around memory; a bandwidth allowance alone would be dropped silently.
  if (kind === "app" && rules.dailyBandwidth?.enabled && !rules.memory?.enabled) {
    problems.push(`${where}.dailyBandwidth needs the memory rule on: the tracker watches an app's bandwidth alongside its memory`);
  }
  const high = rules.cpuHigh;
  const low = rules.cpuLow;
  if (high && low && high.enabled && low.enabled && low.threshold >= high.threshold) {
    problems.push(`${where}.cpuLow.threshold must be below cpuHigh.threshold (got ${low.threshold}, cpuHigh ${high.threshold})`);
  }
  return rules;
}

function thresholdInRange(value: number, unit: ThresholdUnit): boolean {
  if (!Number.isFinite(value)) return false;
  return unit === "percent" ? value >= 0 && value <= 100 : value > 0;
}

function rangeWords(unit: ThresholdUnit): string {
  return unit === "percent" ? "must be a percentage from 0 to 100" : unit === "mbps" ? "must be a positive number of Mbps" : unit === "gibPerDay" ? "must be a positive number of GiB per day" : "must be a positive number";
}

function readJson(read: RawConfigReader, k: string, fallback: unknown, problems: string[]): unknown {
  const text = read(k);
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text);
  } catch {
    // A bare string is what `pulumi config set alertEmails a@b.c` produces: say how to set a list.
    problems.push(`${PROJECT}:${k} must be a YAML/JSON list, e.g. pulumi config set --path '${k}[0]' … (got ${describeValue(text)})`);
    return fallback;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value) && !pulumi.Output.isInstance(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
