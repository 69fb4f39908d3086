/**
 * The tracker's JSON configuration (`npm run tracker -- --config FILE`, or the Functions
 * deploy's bundled copy): budget, threshold ladder with per-threshold recipients, forecast,
 * spikes, reports, unit cost and the email sender. Read and validated once; every problem is
 * reported together, each with its JSON path, and no Slack or webhook URL (they carry their
 * secret in the path) is ever echoed back.
 */
import { APP_RULES, MONITOR_WINDOWS, type MonitorWindow } from "../../../alerts/rules";
import { DEFAULT_THRESHOLD_AMOUNTS_USD } from "../../../core/billing-thresholds";
import { resolveSpikeOptions, type SpikeOptions } from "../../../core/spikes";
import { validateUnitCostConfig, type UnitCostConfig } from "../../../core/unit-cost";
import type { AlertRecipients } from "../store/types";

/** One month-to-date threshold and who hears about it. */
export interface ThresholdConfig {
  /** Stable id, `mtd-<amount>`: part of the exactly-once key, so the same amount never re-fires in a month. */
  id: string;
  amountUsd: number;
  recipients: AlertRecipients;
}

/** A report's switch and audience. */
export interface ReportConfig {
  enabled: boolean;
  recipients: AlertRecipients;
}

/**
 * An App Platform app the hourly `check` watches itself (DigitalOcean has no monitor alert
 * type for apps). Mirrors the stack's `appWatches` export, so that list can be pasted here.
 */
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
  recipients: AlertRecipients;
}

/** The validated, frozen tracker configuration. */
export interface TrackerConfig {
  /** Monthly budget the forecast is compared with. */
  budgetMonthlyUsd: number;
  /** Ascending by amount. */
  thresholds: readonly ThresholdConfig[];
  forecast: { enabled: boolean; recipients: AlertRecipients };
  spikes: { enabled: boolean; options: SpikeOptions; recipients: AlertRecipients };
  reports: { daily: ReportConfig; weekly: ReportConfig };
  /** Unit cost for the weekly report (per active restaurant, …); absent when not configured. */
  units?: UnitCostConfig;
  email: { from: string };
  /** `do:team:<uuid>`: enables billing insights in `history`. */
  accountUrn?: string;
  /** Linked from every notification when set. */
  dashboardUrl?: string;
  /** Apps whose memory and daily bandwidth `check` watches; empty when none are configured. */
  apps: readonly AppWatchConfig[];
}

/** Thrown by {@link parseTrackerConfig}; `problems` lists every finding with its JSON path. */
export class TrackerConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`tracker config is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    this.name = "TrackerConfigError";
  }
}

const TOP_LEVEL_KEYS = new Set(["budgetMonthlyUsd", "recipients", "thresholds", "forecast", "spikes", "reports", "units", "email", "accountUrn", "dashboardUrl", "apps"]);
const RECIPIENT_KEYS = ["email", "slack", "webhook"] as const;
// Deliberately loose: one @, no spaces. The SMTP server is the judge of deliverability.
const EMAIL_PATTERN = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const SLACK_CHANNEL_PATTERN = /^[#@]?[a-z0-9][a-z0-9._-]{0,79}$/i;
// App ids are UUIDs (apps/models/app.yml `id`, e.g. 4f6c71e2-1e90-4762-9fee-6cc4a0a9f2cf).
const APP_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WINDOW_MINUTES: Record<MonitorWindow, number> = { "5m": 5, "10m": 10, "30m": 30, "1h": 60 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A value safe to quote in an error: strings that look like URLs are never quoted, even inside an object or list. */
function shown(value: unknown): string {
  if (typeof value === "string" && URL_LIKE.test(value)) return "a URL (not shown)";
  const text = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "string" && URL_LIKE.test(inner) ? "(a URL, not shown)" : inner));
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isHttpUrl(value: string, httpsOnly: boolean): boolean {
  try {
    const protocol = new URL(value).protocol;
    return protocol === "https:" || (!httpsOnly && protocol === "http:");
  } catch {
    return false;
  }
}

class Checker {
  readonly problems: string[] = [];

  add(problem: string): void {
    this.problems.push(problem);
  }

  /** Parses `{email, slack, webhook}` at `path`; absent lists are empty. */
  recipients(input: Record<string, unknown>, path: string): AlertRecipients {
    const result: AlertRecipients = { email: [], slack: [], webhook: [] };
    const email = input.email;
    if (email !== undefined) {
      if (!Array.isArray(email)) this.add(`${path}.email must be a list of addresses (got ${shown(email)})`);
      else
        email.forEach((address: unknown, i) => {
          if (typeof address === "string" && EMAIL_PATTERN.test(address)) result.email.push(address);
          else this.add(`${path}.email[${i}] must be an email address like ops@example.com (got ${shown(address)})`);
        });
    }
    const slack = input.slack;
    if (slack !== undefined) {
      if (!Array.isArray(slack)) this.add(`${path}.slack must be a list of {channel, url} (got ${shown(slack)})`);
      else
        slack.forEach((target: unknown, i) => {
          const at = `${path}.slack[${i}]`;
          if (!isRecord(target)) return this.add(`${at} must be an object {channel, url} (got ${shown(target)})`);
          const { channel, url } = target;
          let ok = true;
          if (typeof channel !== "string" || !SLACK_CHANNEL_PATTERN.test(channel)) {
            this.add(`${at}.channel must be a Slack channel name like #billing (got ${shown(channel)})`);
            ok = false;
          }
          // Incoming-webhook URLs are secrets: say what is wrong without repeating them.
          if (typeof url !== "string" || !isHttpUrl(url, false)) {
            this.add(`${at}.url must be a Slack incoming-webhook https:// URL (got ${typeof url === "string" ? "a value that is not one" : shown(url)})`);
            ok = false;
          }
          if (ok) result.slack.push({ channel: channel as string, url: url as string });
        });
    }
    const webhook = input.webhook;
    if (webhook !== undefined) {
      if (!Array.isArray(webhook)) this.add(`${path}.webhook must be a list of URLs (got ${shown(webhook)})`);
      else
        webhook.forEach((url: unknown, i) => {
          if (typeof url === "string" && isHttpUrl(url, false)) result.webhook.push(url);
          else this.add(`${path}.webhook[${i}] must be an http(s) URL (got ${typeof url === "string" ? "a value that is not one" : shown(url)})`);
        });
    }
    return result;
  }

  positiveNumber(value: unknown, path: string): number | undefined {
    if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
    this.add(`${path} must be a positive number of US dollars (got ${shown(value)})`);
    return undefined;
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === "boolean") return value;
    this.add(`${path} must be true or false (got ${shown(value)})`);
    return fallback;
  }

  unknownKeys(input: Record<string, unknown>, allowed: Iterable<string>, path: string): void {
    const known = new Set(allowed);
    for (const key of Object.keys(input)) if (!known.has(key)) this.add(`${path}${path ? "." : ""}${key} is not a known setting (allowed: ${[...known].join(", ")})`);
  }
}

function hasAny(recipients: AlertRecipients): boolean {
  return recipients.email.length + recipients.slack.length + recipients.webhook.length > 0;
}

function objectAt(checker: Checker, input: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (isRecord(value)) return value;
  checker.add(`${key} must be an object (got ${shown(value)})`);
  return undefined;
}

/** Recipients of a section: its own when it lists any, else the top-level `recipients`. */
function sectionRecipients(checker: Checker, section: Record<string, unknown> | undefined, path: string, fallback: AlertRecipients): AlertRecipients {
  if (section === undefined) return fallback;
  const own = checker.recipients(section, path);
  return hasAny(own) ? own : fallback;
}

/**
 * Validates a parsed JSON config and returns it typed and frozen; throws a
 * {@link TrackerConfigError} listing every problem (e.g.
 * `thresholds[2].amountUsd must be > thresholds[1].amountUsd (got 50 after 150)`).
 * Omitted `thresholds` means the default ladder $10/$50/$150/$200 sent to the top-level
 * `recipients`, which must then list someone.
 */
export function parseTrackerConfig(input: unknown): TrackerConfig {
  const checker = new Checker();
  if (!isRecord(input)) throw new TrackerConfigError([`the config must be a JSON object (got ${shown(input)})`]);
  checker.unknownKeys(input, TOP_LEVEL_KEYS, "");

  const budgetMonthlyUsd = checker.positiveNumber(input.budgetMonthlyUsd, "budgetMonthlyUsd") ?? 0;
  const topLevel = objectAt(checker, input, "recipients");
  if (topLevel) checker.unknownKeys(topLevel, RECIPIENT_KEYS, "recipients");
  const defaults = topLevel ? checker.recipients(topLevel, "recipients") : { email: [], slack: [], webhook: [] };

  const thresholds: ThresholdConfig[] = [];
  if (input.thresholds === undefined) {
    if (!hasAny(defaults)) checker.add("recipients must list at least one email, slack or webhook recipient when thresholds are omitted (the default $10/$50/$150/$200 ladder needs an audience)");
    for (const amountUsd of DEFAULT_THRESHOLD_AMOUNTS_USD) thresholds.push({ id: `mtd-${amountUsd}`, amountUsd, recipients: defaults });
  } else if (!Array.isArray(input.thresholds) || input.thresholds.length === 0) {
    checker.add(`thresholds must be a non-empty list of {amountUsd, email, slack, webhook} (got ${shown(input.thresholds)})`);
  } else {
    let previous: number | undefined;
    input.thresholds.forEach((entry: unknown, i) => {
      const at = `thresholds[${i}]`;
      if (!isRecord(entry)) return checker.add(`${at} must be an object {amountUsd, email, slack, webhook} (got ${shown(entry)})`);
      checker.unknownKeys(entry, ["amountUsd", ...RECIPIENT_KEYS], at);
      const amountUsd = checker.positiveNumber(entry.amountUsd, `${at}.amountUsd`);
      if (amountUsd !== undefined && previous !== undefined && amountUsd <= previous) {
        checker.add(`${at}.amountUsd must be > thresholds[${i - 1}].amountUsd (got ${amountUsd} after ${previous})`);
      }
      if (amountUsd !== undefined) previous = amountUsd;
      const recipients = sectionRecipients(checker, entry, at, defaults);
      if (!hasAny(recipients)) checker.add(`${at} must list at least one email, slack or webhook recipient (or set top-level recipients)`);
      if (amountUsd !== undefined) thresholds.push({ id: `mtd-${amountUsd}`, amountUsd, recipients });
    });
  }

  const forecastSection = objectAt(checker, input, "forecast");
  if (forecastSection) checker.unknownKeys(forecastSection, ["enabled", ...RECIPIENT_KEYS], "forecast");
  const forecast = {
    enabled: checker.boolean(forecastSection?.enabled, "forecast.enabled", true),
    recipients: sectionRecipients(checker, forecastSection, "forecast", defaults),
  };
  if (forecast.enabled && !hasAny(forecast.recipients)) checker.add("forecast must list recipients (or set top-level recipients), or set forecast.enabled to false");

  const spikesSection = objectAt(checker, input, "spikes");
  let spikeOptions = resolveSpikeOptions();
  if (spikesSection) {
    const optionKeys = ["windowDays", "minIncreasePct", "minIncreaseUsd", "seasonalWeeks"] as const;
    checker.unknownKeys(spikesSection, ["enabled", ...optionKeys, ...RECIPIENT_KEYS], "spikes");
    const overrides: Partial<SpikeOptions> = {};
    for (const key of optionKeys) if (spikesSection[key] !== undefined) overrides[key] = spikesSection[key] as number;
    try {
      spikeOptions = resolveSpikeOptions(overrides);
    } catch (error) {
      checker.add(`spikes.${(error as Error).message.replace(/^options\./, "")}`);
    }
  }
  const spikes = {
    enabled: checker.boolean(spikesSection?.enabled, "spikes.enabled", true),
    options: spikeOptions,
    recipients: sectionRecipients(checker, spikesSection, "spikes", defaults),
  };
  if (spikes.enabled && !hasAny(spikes.recipients)) checker.add("spikes must list recipients (or set top-level recipients), or set spikes.enabled to false");

  const reportsSection = objectAt(checker, input, "reports");
  if (reportsSection) checker.unknownKeys(reportsSection, ["daily", "weekly"], "reports");
  const report = (name: "daily" | "weekly"): ReportConfig => {
    const raw = reportsSection?.[name];
    if (raw !== undefined && !isRecord(raw)) {
      checker.add(`reports.${name} must be an object {enabled, email, slack, webhook} (got ${shown(raw)})`);
      return { enabled: false, recipients: defaults };
    }
    if (raw) checker.unknownKeys(raw, ["enabled", ...RECIPIENT_KEYS], `reports.${name}`);
    const config = { enabled: checker.boolean(raw?.enabled, `reports.${name}.enabled`, raw !== undefined), recipients: sectionRecipients(checker, raw, `reports.${name}`, defaults) };
    if (config.enabled && !hasAny(config.recipients)) checker.add(`reports.${name} must list recipients (or set top-level recipients)`);
    return config;
  };
  const reports = { daily: report("daily"), weekly: report("weekly") };

  let units: UnitCostConfig | undefined;
  const unitsSection = objectAt(checker, input, "units");
  if (unitsSection) {
    checker.unknownKeys(unitsSection, ["name", "source"], "units");
    try {
      units = validateUnitCostConfig({ unitName: unitsSection.name, source: unitsSection.source }, "units");
    } catch (error) {
      checker.add((error as Error).message.replace("units.unitName", "units.name"));
    }
  }

  const apps = parseApps(checker, input.apps, defaults);

  const emailSection = objectAt(checker, input, "email");
  const usesEmail = [...thresholds.map((t) => t.recipients), ...apps.map((app) => app.recipients), forecast.recipients, spikes.recipients, reports.daily.recipients, reports.weekly.recipients].some((r) => r.email.length > 0);
  const from = emailSection?.from;
  if (emailSection) checker.unknownKeys(emailSection, ["from"], "email");
  if (from !== undefined && (typeof from !== "string" || from.trim() === "")) checker.add(`email.from must be a sender like "do-cost-guard <billing@example.com>" (got ${shown(from)})`);
  else if (from === undefined && usesEmail) checker.add("email.from must be set when any recipient is an email address");

  const accountUrn = input.accountUrn;
  if (accountUrn !== undefined && (typeof accountUrn !== "string" || !/^do:(team|teamgroup):[^/\s]+$/.test(accountUrn))) {
    checker.add(`accountUrn must look like do:team:<uuid> (got ${shown(accountUrn)})`);
  }
  const dashboardUrl = input.dashboardUrl;
  if (dashboardUrl !== undefined && (typeof dashboardUrl !== "string" || !isHttpUrl(dashboardUrl, false))) {
    checker.add(`dashboardUrl must be an http(s) URL (got ${shown(dashboardUrl)})`);
  }

  if (checker.problems.length > 0) throw new TrackerConfigError(checker.problems);
  const config: TrackerConfig = {
    budgetMonthlyUsd,
    thresholds,
    forecast,
    spikes,
    reports,
    email: { from: typeof from === "string" ? from : "do-cost-guard <do-cost-guard@localhost>" },
    ...(units ? { units } : {}),
    ...(typeof accountUrn === "string" ? { accountUrn } : {}),
    ...(typeof dashboardUrl === "string" ? { dashboardUrl } : {}),
    apps,
  };
  return deepFreeze(config);
}

/** The `apps` list: each entry named, a UUID app id at most once, a percent, a monitor window, an optional allowance. */
function parseApps(checker: Checker, raw: unknown, defaults: AlertRecipients): AppWatchConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    checker.add(`apps must be a list of {name, appId, memoryThresholdPercent, window, bandwidthAllowanceGiBPerDay, email, slack, webhook} (got ${shown(raw)})`);
    return [];
  }
  const apps: AppWatchConfig[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry: unknown, i) => {
    const at = `apps[${i}]`;
    if (!isRecord(entry)) return checker.add(`${at} must be an object {name, appId, memoryThresholdPercent, window, …} (got ${shown(entry)})`);
    checker.unknownKeys(entry, ["name", "appId", "memoryThresholdPercent", "window", "bandwidthAllowanceGiBPerDay", ...RECIPIENT_KEYS], at);
    const { name, appId, memoryThresholdPercent = APP_RULES.memory.defaultThreshold, window = APP_RULES.memory.defaultWindow, bandwidthAllowanceGiBPerDay } = entry;
    let ok = true;
    const problem = (message: string) => {
      checker.add(message);
      ok = false;
    };
    if (typeof name !== "string" || name.trim() === "") problem(`${at}.name must be a non-empty name for the app (got ${shown(name)})`);
    if (typeof appId !== "string" || !APP_ID_PATTERN.test(appId)) problem(`${at}.appId must be an App Platform app id (a UUID) (got ${shown(appId)})`);
    else if (seen.has(appId.toLowerCase())) problem(`${at}.appId repeats apps[${seen.get(appId.toLowerCase())}].appId (got ${appId})`);
    else seen.set(appId.toLowerCase(), i);
    if (typeof memoryThresholdPercent !== "number" || !(memoryThresholdPercent > 0 && memoryThresholdPercent < 100)) {
      problem(`${at}.memoryThresholdPercent must be a percent between 0 and 100 (got ${shown(memoryThresholdPercent)})`);
    }
    if (typeof window !== "string" || !(MONITOR_WINDOWS as readonly string[]).includes(window)) problem(`${at}.window must be one of ${MONITOR_WINDOWS.join(", ")} (got ${shown(window)})`);
    if (bandwidthAllowanceGiBPerDay !== undefined && !(typeof bandwidthAllowanceGiBPerDay === "number" && Number.isFinite(bandwidthAllowanceGiBPerDay) && bandwidthAllowanceGiBPerDay > 0)) {
      problem(`${at}.bandwidthAllowanceGiBPerDay must be a positive number of GiB (got ${shown(bandwidthAllowanceGiBPerDay)})`);
    }
    const recipients = sectionRecipients(checker, entry, at, defaults);
    if (!hasAny(recipients)) problem(`${at} must list at least one email, slack or webhook recipient (or set top-level recipients)`);
    if (!ok) return;
    apps.push({
      name: name as string,
      appId: appId as string,
      memoryThresholdPercent: memoryThresholdPercent as number,
      window: window as MonitorWindow,
      windowMinutes: WINDOW_MINUTES[window as MonitorWindow],
      ...(bandwidthAllowanceGiBPerDay !== undefined ? { bandwidthAllowanceGiBPerDay: bandwidthAllowanceGiBPerDay as number } : {}),
      recipients,
    });
  });
  return apps;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
