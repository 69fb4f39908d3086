/**
 * The one place that reads stack configuration.
 *
 * `loadConfig()` reads every `do-cost-guard:*` key, validates all of it, and returns a typed,
 * frozen `StackConfig`; components receive their slice through `args` and never read config.
 * Invalid input fails `pulumi preview` (and the offline plan) with one line per problem, each
 * naming the key, so a user fixes everything in one pass instead of one error per preview.
 * The keys are declared, with descriptions and defaults, in Pulumi.yaml.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  MONITOR_WINDOWS,
  MonitorWindow,
  RULES_BY_KIND,
  TARGET_KINDS,
  TargetKind,
  ThresholdUnit,
} from "./alerts/rules";
import { parseCron } from "./core/cron";
import { parseTrackerConfig, TrackerConfigError } from "./functions/src/tracker/config";

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
} as const;

/** A rule's effective setting after defaults are applied. */
export interface RuleSetting {
  readonly threshold: number;
  readonly window: MonitorWindow;
  readonly enabled: boolean;
}

/**
 * Something to watch. `ids` and `tag` become the alert policy's `entities` and `tags`
 * (DigitalOcean applies a policy to the listed ids plus everything carrying the tag).
 */
export interface AlertTarget {
  readonly kind: TargetKind;
  /** Short name used in resource names and alert descriptions, e.g. "orders-db". */
  readonly name: string;
  readonly ids: readonly string[];
  readonly tag?: string;
  /** Every rule of the kind, with defaults filled in; disabled rules have `enabled: false`. */
  readonly rules: Readonly<Record<string, RuleSetting>>;
}

export interface AlertDestinations<SecretString = pulumi.Output<string>> {
  readonly emails: readonly string[];
  readonly slack?: { readonly channel: string; readonly url: SecretString };
}

/** When the tracker runs: DigitalOcean Functions scheduled-trigger cron strings, UTC. */
export interface TrackerSchedules {
  readonly check: string;
  readonly daily: string;
  readonly weekly: string;
}

/** The cost tracker's deployment on DigitalOcean Functions. */
export interface TrackerDeployment<SecretString = pulumi.Output<string>> {
  /** Functions namespace region (a datacenter slug such as nyc1). */
  readonly region: string;
  readonly schedules: TrackerSchedules;
  /** Memory limit of the tracker action; DigitalOcean bills GiB-seconds of the limit. */
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** The tracker's JSON config (functions/src/tracker/config.ts), validated; secret because it holds the Slack URL. */
  readonly trackerConfigJson: SecretString;
  /** Read-only DigitalOcean token the tracker runs with. */
  readonly digitalOceanToken: SecretString;
  readonly databaseUrl: SecretString;
  readonly smtpUrl: SecretString;
  readonly dashboardPassword: SecretString;
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

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SLACK_WEBHOOK_PREFIX = "https://hooks.slack.com/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DROPLET_ID = /^[1-9][0-9]*$/;
// DigitalOcean tag names: specification/resources/tags/models/tags.yml (`^[a-zA-Z0-9_\-\:]+$`, ≤ 255).
const TAG = /^[a-zA-Z0-9_\-:]{1,255}$/;
const TARGET_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const TARGET_KEYS = new Set(["kind", "name", "id", "ids", "tag", "rules"]);
const RULE_KEYS = new Set(["threshold", "window", "enabled"]);

/** Which selectors each kind accepts, and what an id of that kind looks like. */
const SELECTORS: Record<TargetKind, { id: RegExp; idWord: string; tag: boolean; many: boolean }> = {
  database: { id: UUID, idWord: "a database cluster uuid", tag: true, many: false },
  droplet: { id: DROPLET_ID, idWord: "a numeric droplet id", tag: true, many: true },
  loadBalancer: { id: UUID, idWord: "a load balancer uuid", tag: false, many: true },
  app: { id: UUID, idWord: "an app uuid", tag: false, many: false },
};

/**
 * Validates raw configuration and returns it typed, or throws `ConfigError` listing every
 * problem. Pure apart from its reader, so tests drive it with plain objects.
 */
export function parseStackConfig(read: RawConfigReader): StackConfig<string> {
  const problems: string[] = [];
  const key = (k: string) => `${PROJECT}:${k}`;

  const problemsBeforeDestinations = problems.length;
  const emails = readJson(read, CONFIG_KEYS.alertEmails, [], problems);
  const emailList: string[] = [];
  if (!Array.isArray(emails)) {
    problems.push(`${key(CONFIG_KEYS.alertEmails)} must be a list of email addresses (got ${describe(emails)})`);
  } else {
    emails.forEach((email, i) => {
      const where = `${key(CONFIG_KEYS.alertEmails)}[${i}]`;
      if (typeof email !== "string" || !EMAIL.test(email)) problems.push(`${where} is not an email address (got ${describe(email)})`);
      else if (emailList.includes(email.toLowerCase())) problems.push(`${where} repeats ${email}`);
      else emailList.push(email.toLowerCase());
    });
  }

  // An empty channel means "no Slack"; the webhook URL is then unused. Pulumi makes every stack
  // set the (secret) webhook key, because a secret key cannot have a default.
  const channel = read(CONFIG_KEYS.alertSlackChannel)?.trim() ?? "";
  const webhookUrl = read(CONFIG_KEYS.alertSlackWebhookUrl) ?? "";
  let slack: { channel: string; url: string } | undefined;
  if (channel !== "") {
    if (webhookUrl === "") {
      problems.push(`${key(CONFIG_KEYS.alertSlackWebhookUrl)} is required when ${key(CONFIG_KEYS.alertSlackChannel)} is set: pulumi config set --secret ${CONFIG_KEYS.alertSlackWebhookUrl} <url>`);
    } else if (!webhookUrl.startsWith(SLACK_WEBHOOK_PREFIX)) {
      // Never echo the value: it is a secret.
      problems.push(`${key(CONFIG_KEYS.alertSlackWebhookUrl)} must be a Slack incoming-webhook URL starting with ${SLACK_WEBHOOK_PREFIX}`);
    } else {
      slack = { channel, url: webhookUrl };
    }
  }
  if (Array.isArray(emails) && emails.length === 0 && channel === "") {
    problems.push(`no alert destination: set ${key(CONFIG_KEYS.alertEmails)} and/or ${key(CONFIG_KEYS.alertSlackChannel)} (with ${key(CONFIG_KEYS.alertSlackWebhookUrl)})`);
  }

  const destinationsValid = problems.length === problemsBeforeDestinations;

  const rawTargets = readJson(read, CONFIG_KEYS.alertTargets, [], problems);
  const targets: AlertTarget[] = [];
  if (!Array.isArray(rawTargets)) {
    problems.push(`${key(CONFIG_KEYS.alertTargets)} must be a list of targets (got ${describe(rawTargets)})`);
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
      targets.push(target);
    });
  }

  // Billing notifications go to the alert destinations: when those are wrong, the tracker's
  // "no recipients" complaints would only repeat the same problem.
  const tracker = parseTrackerDeployment(read, destinationsValid ? { emails: emailList, slack } : undefined, targets, problems);

  if (problems.length > 0 || !tracker) throw new ConfigError(problems);
  return deepFreeze({ alerts: { destinations: { emails: emailList, slack }, targets }, tracker });
}

/** Functions regions (namespaces): https://docs.digitalocean.com/products/functions/details/availability/, read 2026-11-27. */
const FUNCTIONS_REGIONS = ["ams3", "blr1", "fra1", "lon1", "nyc1", "sfo3", "sgp1", "syd1", "tor1"];
const TRACKER_KEYS = new Set(["region", "schedules", "memoryMb", "timeoutSeconds"]);
const BILLING_KEYS = new Set(["budgetMonthlyUsd", "thresholds", "emailFrom", "reports", "units", "accountUrn"]);
const SCHEDULE_NAMES = ["check", "daily", "weekly"] as const;
/** Defaults: check hourly; reports at 07:00 UTC (before a European or American working day), weekly on Mondays. */
export const DEFAULT_SCHEDULES: TrackerSchedules = { check: "0 * * * *", daily: "0 7 * * *", weekly: "0 7 * * 1" };

/**
 * The tracker's deployment: where and when it runs, and its JSON config, composed from
 * `billing` (budget, thresholds, reports) and the alert destinations (every notification goes
 * to alertEmails and the alert Slack channel unless a threshold names its own emails). The
 * composed config is validated by the tracker's own parser, so the stack and the function can
 * never disagree on what is valid.
 */
function parseTrackerDeployment(
  read: RawConfigReader,
  destinations: { emails: readonly string[]; slack?: { channel: string; url: string } } | undefined,
  targets: readonly AlertTarget[],
  problems: string[],
): TrackerDeployment<string> | undefined {
  const key = (k: string) => `${PROJECT}:${k}`;
  const before = problems.length;
  const rawTracker = readJson(read, CONFIG_KEYS.tracker, {}, problems);
  const tracker = isRecord(rawTracker) ? rawTracker : {};
  if (!isRecord(rawTracker)) problems.push(`${key(CONFIG_KEYS.tracker)} must be an object {region, schedules, memoryMb, timeoutSeconds} (got ${describe(rawTracker)})`);
  for (const k of Object.keys(tracker)) if (!TRACKER_KEYS.has(k)) problems.push(`${key(CONFIG_KEYS.tracker)}.${k} is not a known key (expected one of ${[...TRACKER_KEYS].join(", ")})`);
  const region = tracker.region ?? "nyc1";
  if (typeof region !== "string" || !FUNCTIONS_REGIONS.includes(region)) problems.push(`${key(CONFIG_KEYS.tracker)}.region must be a Functions region: ${FUNCTIONS_REGIONS.join(", ")} (got ${describe(region)})`);
  const rawSchedules = tracker.schedules ?? {};
  const schedules: Record<string, string> = { ...DEFAULT_SCHEDULES };
  if (!isRecord(rawSchedules)) {
    problems.push(`${key(CONFIG_KEYS.tracker)}.schedules must be an object {check, daily, weekly} of cron strings (got ${describe(rawSchedules)})`);
  } else {
    for (const [name, cron] of Object.entries(rawSchedules)) {
      const at = `${key(CONFIG_KEYS.tracker)}.schedules.${name}`;
      if (!(SCHEDULE_NAMES as readonly string[]).includes(name)) problems.push(`${at} is not a known schedule (expected ${SCHEDULE_NAMES.join(", ")})`);
      else if (typeof cron !== "string") problems.push(`${at} must be a cron string like "0 * * * *" (got ${describe(cron)})`);
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
  const memoryMb = tracker.memoryMb ?? 256;
  // DigitalOcean Functions limits: 128-1024 MB memory, up to 900 s (https://docs.digitalocean.com/products/functions/details/limits/, read 2026-11-27).
  if (typeof memoryMb !== "number" || !Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 1024) problems.push(`${key(CONFIG_KEYS.tracker)}.memoryMb must be a whole number from 128 to 1024 (got ${describe(memoryMb)})`);
  const timeoutSeconds = tracker.timeoutSeconds ?? 300;
  if (typeof timeoutSeconds !== "number" || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) problems.push(`${key(CONFIG_KEYS.tracker)}.timeoutSeconds must be a whole number from 1 to 900 (got ${describe(timeoutSeconds)})`);

  const rawBilling = readJson(read, CONFIG_KEYS.billing, {}, problems);
  const billing = isRecord(rawBilling) ? rawBilling : {};
  if (!isRecord(rawBilling)) problems.push(`${key(CONFIG_KEYS.billing)} must be an object {budgetMonthlyUsd, thresholds, emailFrom, reports, units} (got ${describe(rawBilling)})`);
  for (const k of Object.keys(billing)) if (!BILLING_KEYS.has(k)) problems.push(`${key(CONFIG_KEYS.billing)}.${k} is not a known key (expected one of ${[...BILLING_KEYS].join(", ")})`);
  const slack = destinations?.slack ? [destinations.slack] : [];
  const recipients = { email: [...(destinations?.emails ?? [])], slack };
  const thresholds = Array.isArray(billing.thresholds)
    ? billing.thresholds.map((t: unknown) => (isRecord(t) && t.emails !== undefined ? { amountUsd: t.amountUsd, email: t.emails, slack } : isRecord(t) ? { amountUsd: t.amountUsd } : t))
    : billing.thresholds;
  const reports = isRecord(billing.reports) ? billing.reports : { daily: true, weekly: true };
  const trackerJson: Record<string, unknown> = {
    budgetMonthlyUsd: billing.budgetMonthlyUsd,
    recipients,
    ...(thresholds === undefined ? {} : { thresholds }),
    forecast: { enabled: true },
    spikes: { enabled: true },
    reports: { daily: { enabled: reports.daily !== false }, weekly: { enabled: reports.weekly !== false } },
    ...(billing.units === undefined ? {} : { units: billing.units }),
    ...(billing.emailFrom === undefined ? {} : { email: { from: billing.emailFrom } }),
    ...(billing.accountUrn === undefined ? {} : { accountUrn: billing.accountUrn }),
  };
  void targets;
  try {
    if (destinations) parseTrackerConfig(trackerJson);
  } catch (err) {
    if (!(err instanceof TrackerConfigError)) throw err;
    // The tracker names paths in its own JSON; map them back to the stack keys they came from.
    for (const problem of err.problems) problems.push(`${key(CONFIG_KEYS.billing)}.${problem.replace(/^email\.from/, "emailFrom").replace(/^thresholds\[(\d+)\]\.email\b/, "thresholds[$1].emails")}`);
  }

  const secret = (k: keyof typeof CONFIG_KEYS, check: (v: string) => string | undefined): string => {
    const value = read(CONFIG_KEYS[k]) ?? "";
    // Messages never include the value: every one of these is a secret.
    const why = value === "" ? `is required: pulumi config set --secret ${CONFIG_KEYS[k]} <value>` : check(value);
    if (why) problems.push(`${key(CONFIG_KEYS[k])} ${why}`);
    return value;
  };
  const digitalOceanToken = secret("trackerDigitalOceanToken", () => undefined);
  const databaseUrl = secret("trackerDatabaseUrl", (v) => (/^postgres(ql)?:\/\//.test(v) ? undefined : "must be a postgres:// or postgresql:// URL"));
  const smtpUrl = secret("trackerSmtpUrl", (v) => (/^smtps?:\/\//.test(v) ? undefined : "must be an smtp:// or smtps:// URL"));
  const dashboardPassword = secret("dashboardPassword", (v) => (v.length >= 16 ? undefined : "must be at least 16 characters"));

  if (problems.length > before) return undefined;
  return {
    region: region as string,
    schedules: schedules as unknown as TrackerSchedules,
    memoryMb: memoryMb as number,
    timeoutSeconds: timeoutSeconds as number,
    trackerConfigJson: JSON.stringify(trackerJson),
    digitalOceanToken,
    databaseUrl,
    smtpUrl,
    dashboardPassword,
  };
}

/**
 * Reads and validates the stack's configuration. The only `new pulumi.Config()` in the
 * program; the Slack webhook URL is returned as a Pulumi secret so it never lands in state
 * or logs in plain text.
 */
export function loadConfig(): StackConfig {
  const config = new pulumi.Config(PROJECT);
  const parsed = parseStackConfig((k) => config.get(k));
  const slack = parsed.alerts.destinations.slack;
  const tracker = parsed.tracker;
  return deepFreeze({
    alerts: {
      targets: parsed.alerts.targets,
      destinations: {
        emails: parsed.alerts.destinations.emails,
        slack: slack && { channel: slack.channel, url: pulumi.secret(slack.url) },
      },
    },
    tracker: {
      ...tracker,
      trackerConfigJson: pulumi.secret(tracker.trackerConfigJson),
      digitalOceanToken: pulumi.secret(tracker.digitalOceanToken),
      databaseUrl: pulumi.secret(tracker.databaseUrl),
      smtpUrl: pulumi.secret(tracker.smtpUrl),
      dashboardPassword: pulumi.secret(tracker.dashboardPassword),
    },
  });
}

function parseTarget(raw: unknown, where: string, problems: string[]): AlertTarget | undefined {
  if (!isRecord(raw)) {
    problems.push(`${where} must be an object like {kind: database, name: orders-db, id: <uuid>} (got ${describe(raw)})`);
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(raw)) {
    if (!TARGET_KEYS.has(k)) problems.push(`${where}.${k} is not a known key (expected one of ${[...TARGET_KEYS].join(", ")})`);
  }
  const kind = raw.kind;
  if (typeof kind !== "string" || !(TARGET_KINDS as readonly string[]).includes(kind)) {
    problems.push(`${where}.kind must be one of ${TARGET_KINDS.join(", ")} (got ${describe(kind)})`);
    return undefined;
  }
  const targetKind = kind as TargetKind;
  const name = raw.name;
  if (typeof name !== "string" || !TARGET_NAME.test(name)) {
    problems.push(`${where}.name must be 1-40 lowercase letters, digits or dashes, e.g. orders-db (got ${describe(name)})`);
  }

  const selector = SELECTORS[targetKind];
  const ids: string[] = [];
  const idValues = raw.ids !== undefined ? raw.ids : raw.id !== undefined ? [raw.id] : [];
  const idKey = raw.ids !== undefined ? "ids" : "id";
  if (raw.ids !== undefined && raw.id !== undefined) problems.push(`${where} sets both id and ids: use one`);
  if (raw.ids !== undefined && !selector.many) problems.push(`${where}.ids is not allowed for a ${targetKind} target: use id`);
  if (!Array.isArray(idValues)) {
    problems.push(`${where}.ids must be a list (got ${describe(idValues)})`);
  } else {
    idValues.forEach((id, j) => {
      const text = typeof id === "number" ? String(id) : id;
      const at = idKey === "ids" ? `${where}.ids[${j}]` : `${where}.id`;
      if (typeof text !== "string" || !selector.id.test(text)) problems.push(`${at} must be ${selector.idWord} (got ${describe(id)})`);
      else ids.push(text);
    });
  }
  const tag = raw.tag;
  if (tag !== undefined) {
    if (!selector.tag) problems.push(`${where}.tag is not allowed for a ${targetKind} target: DigitalOcean cannot tag it, use id${selector.many ? "s" : ""}`);
    else if (typeof tag !== "string" || !TAG.test(tag)) problems.push(`${where}.tag must match DigitalOcean's tag pattern ^[a-zA-Z0-9_\\-:]+$ (≤ 255 chars) (got ${describe(tag)})`);
  }
  const hasIds = Array.isArray(idValues) && idValues.length > 0;
  if (targetKind === "database" && hasIds === (tag !== undefined)) {
    problems.push(`${where} must select the database by exactly one of id (a cluster uuid) or tag`);
  } else if (!hasIds && tag === undefined) {
    problems.push(`${where} selects nothing: set ${selector.tag ? "tag or " : ""}${selector.many ? "ids" : "id"}`);
  }

  const rules = parseRules(raw.rules, targetKind, `${where}.rules`, problems);
  if (problems.length > before || !rules) return undefined;
  return { kind: targetKind, name: name as string, ids, tag: typeof tag === "string" ? tag : undefined, rules };
}

function parseRules(raw: unknown, kind: TargetKind, where: string, problems: string[]): Record<string, RuleSetting> | undefined {
  const table = RULES_BY_KIND[kind];
  if (raw !== undefined && !isRecord(raw)) {
    problems.push(`${where} must be an object of rule settings (got ${describe(raw)})`);
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
    let threshold: number = rule.defaultThreshold;
    let window: MonitorWindow = rule.defaultWindow;
    let enabled = true;
    if (override === false) {
      enabled = false;
    } else if (override !== undefined && override !== true) {
      if (!isRecord(override)) {
        problems.push(`${at} must be false or {threshold, window, enabled} (got ${describe(override)})`);
        continue;
      }
      for (const k of Object.keys(override)) {
        if (!RULE_KEYS.has(k)) problems.push(`${at}.${k} is not a known key (expected threshold, window or enabled)`);
      }
      if (override.threshold !== undefined) {
        if (typeof override.threshold !== "number" || !thresholdInRange(override.threshold, rule.unit)) {
          problems.push(`${at}.threshold ${rangeWords(rule.unit)} (got ${describe(override.threshold)})`);
        } else threshold = override.threshold;
      }
      if (override.window !== undefined) {
        if (typeof override.window !== "string" || !(MONITOR_WINDOWS as readonly string[]).includes(override.window)) {
          problems.push(`${at}.window must be one of ${MONITOR_WINDOWS.join(", ")} (got ${describe(override.window)})`);
        } else window = override.window as MonitorWindow;
      }
      if (override.enabled !== undefined) {
        if (typeof override.enabled !== "boolean") problems.push(`${at}.enabled must be true or false (got ${describe(override.enabled)})`);
        else enabled = override.enabled;
      }
    }
    rules[name] = { threshold, window, enabled };
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
  return unit === "percent" ? "must be a percentage from 0 to 100" : unit === "mbps" ? "must be a positive number of Mbps" : "must be a positive number";
}

function readJson(read: RawConfigReader, k: string, fallback: unknown, problems: string[]): unknown {
  const text = read(k);
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text);
  } catch {
    // A bare string is what `pulumi config set alertEmails a@b.c` produces: say how to set a list.
    problems.push(`${PROJECT}:${k} must be a YAML/JSON list, e.g. pulumi config set --path '${k}[0]' … (got ${describe(text)})`);
    return fallback;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value) && !pulumi.Output.isInstance(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
