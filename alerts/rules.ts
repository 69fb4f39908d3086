/**
 * The monitor alert rules do-cost-guard knows, per target kind, as data.
 *
 * Pure: no Pulumi imports, so config validation, the component and the tests share one table.
 * Alert `type`, `compare` and `window` values are those DigitalOcean accepts in
 * `specification/resources/monitoring/models/alert_policy_request.yml` (spec commit 7c1300c,
 * 2026-08-07); tests/alerts/spec-enums.test.ts checks every declared alert against that file.
 *
 * Default thresholds: the database CPU high (>70%, 5 min) and low (<20%, 1 hour, the
 * under-use signal) and App Platform memory (>80%) are the product's defaults (issue #2,
 * 2026-11-27). The others are our choice of a sane starting point (2026-11-27), not a
 * DigitalOcean recommendation: each is configurable per target.
 */

/** Alert windows DigitalOcean monitor policies accept (alert_policy_request.yml `window`). */
export const MONITOR_WINDOWS = ["5m", "10m", "30m", "1h"] as const;
export type MonitorWindow = (typeof MONITOR_WINDOWS)[number];

/** Comparisons DigitalOcean monitor policies accept (alert_policy_request.yml `compare`). */
export type MonitorCompare = "GreaterThan" | "LessThan";

/** Target kinds a user can put in `do-cost-guard:alertTargets`. */
export const TARGET_KINDS = ["database", "droplet", "loadBalancer", "app"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** How a rule's threshold is measured; decides its valid range and how descriptions read. */
export type ThresholdUnit = "percent" | "mbps" | "count" | "gibPerDay";

/** One monitor alert rule: what DigitalOcean watches, and our default threshold and window. */
export interface MonitorRule {
  /** DigitalOcean alert policy type. */
  type: string;
  compare: MonitorCompare;
  defaultThreshold: number;
  defaultWindow: MonitorWindow;
  unit: ThresholdUnit;
  /** Metric phrase for the description: "<target> <metric> above 70% for 5 min". */
  metric: string;
}

export const DATABASE_RULES = {
  cpuHigh: { type: "v1/dbaas/alerts/cpu_alerts", compare: "GreaterThan", defaultThreshold: 70, defaultWindow: "5m", unit: "percent", metric: "CPU" },
  // A database idling under 20% for an hour is paying for capacity it does not use.
  cpuLow: { type: "v1/dbaas/alerts/cpu_alerts", compare: "LessThan", defaultThreshold: 20, defaultWindow: "1h", unit: "percent", metric: "CPU" },
  memory: { type: "v1/dbaas/alerts/memory_utilization_alerts", compare: "GreaterThan", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "memory" },
  disk: { type: "v1/dbaas/alerts/disk_utilization_alerts", compare: "GreaterThan", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "disk" },
} as const satisfies Record<string, MonitorRule>;

export const DROPLET_RULES = {
  cpu: { type: "v1/insights/droplet/cpu", compare: "GreaterThan", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "CPU" },
  memory: { type: "v1/insights/droplet/memory_utilization_percent", compare: "GreaterThan", defaultThreshold: 85, defaultWindow: "5m", unit: "percent", metric: "memory" },
  disk: { type: "v1/insights/droplet/disk_utilization_percent", compare: "GreaterThan", defaultThreshold: 85, defaultWindow: "5m", unit: "percent", metric: "disk" },
  // Outbound transfer beyond the droplet's pooled allowance is billed per GiB; a sustained
  // 100 Mbps is ~1 TiB a day, so this is where a bandwidth bill starts to grow.
  publicOutboundBandwidth: { type: "v1/insights/droplet/public_outbound_bandwidth", compare: "GreaterThan", defaultThreshold: 100, defaultWindow: "10m", unit: "mbps", metric: "public outbound bandwidth" },
} as const satisfies Record<string, MonitorRule>;

export const LOAD_BALANCER_RULES = {
  cpu: { type: "v1/insights/lbaas/avg_cpu_utilization_percent", compare: "GreaterThan", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "CPU" },
  connections: { type: "v1/insights/lbaas/connection_utilization_percent", compare: "GreaterThan", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "connection use" },
  http5xxRate: { type: "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx", compare: "GreaterThan", defaultThreshold: 5, defaultWindow: "5m", unit: "percent", metric: "5xx error rate" },
} as const satisfies Record<string, MonitorRule>;

/** The monitor rules of each kind that has DigitalOcean monitor alert policies. */
export const MONITOR_RULES = {
  database: DATABASE_RULES,
  droplet: DROPLET_RULES,
  loadBalancer: LOAD_BALANCER_RULES,
} as const;

export type MonitorKind = keyof typeof MONITOR_RULES;
export type RuleName<K extends MonitorKind> = keyof (typeof MONITOR_RULES)[K] & string;

/**
 * App Platform has no monitor alert policy type: its alerts live in the app spec
 * (`specification/resources/apps/models/app_alert_spec*.yml`), so they are returned by
 * `appAlerts()` for users who declare the app in Pulumi, and polled by the tracker otherwise.
 */
export const APP_WINDOWS = ["FIVE_MINUTES", "TEN_MINUTES", "THIRTY_MINUTES", "ONE_HOUR"] as const;
export type AppWindow = (typeof APP_WINDOWS)[number];

export interface AppRule {
  /** The app-spec alert rule; absent for rules only the tracker checks (no app-spec alert exists). */
  rule?: "MEM_UTILIZATION" | "CPU_UTILIZATION" | "RESTART_COUNT";
  operator: "GREATER_THAN" | "LESS_THAN";
  /** null: no default, the target must set a threshold to turn the rule on. */
  defaultThreshold: number | null;
  defaultWindow: MonitorWindow;
  unit: ThresholdUnit;
  metric: string;
  /** Off unless the target's `rules` mention it. */
  optIn?: boolean;
}

export const APP_RULES = {
  memory: { rule: "MEM_UTILIZATION", operator: "GREATER_THAN", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "memory" },
  cpu: { rule: "CPU_UTILIZATION", operator: "GREATER_THAN", defaultThreshold: 80, defaultWindow: "5m", unit: "percent", metric: "CPU" },
  // Three restarts in ten minutes is a crash loop, not a deploy.
  restartCount: { rule: "RESTART_COUNT", operator: "GREATER_THAN", defaultThreshold: 3, defaultWindow: "10m", unit: "count", metric: "restarts" },
  // Yesterday's bytes served above this many GiB: checked once a day by the tracker, since App
  // Platform has no bandwidth alert. No default: an app's allowance depends on its plan and
  // container count (https://docs.digitalocean.com/products/app-platform/details/pricing/,
  // read 2026-11-29), so the user states it, e.g. rules: { dailyBandwidth: { threshold: 40 } }.
  // The window is not used (the check is per UTC day).
  dailyBandwidth: { operator: "GREATER_THAN", defaultThreshold: null, defaultWindow: "1h", unit: "gibPerDay", metric: "bandwidth per day", optIn: true },
} as const satisfies Record<string, AppRule>;

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
  /** App targets only: the team (billing.teams name) whose token the tracker watches the app with. */
  readonly team?: string;
}

/** Where monitor alerts go: email addresses and at most one Slack channel (the URL is a secret). */
export interface AlertDestinations<SecretString = string> {
  readonly emails: readonly string[];
  readonly slack?: { readonly channel: string; readonly url: SecretString };
}

/**
 * What the tracker watches for one App Platform target: memory above a percent for a window
 * (from the target's `memory` rule) and, when the target opts in, daily bandwidth. The stack
 * exports these (`appWatches`) and passes them to the deployed tracker's settings.
 */
export interface AppWatch {
  name: string;
  appId: string;
  memoryThresholdPercent: number;
  window: MonitorWindow;
  bandwidthAllowanceGiBPerDay?: number;
  /** The team whose token watches the app; the first team when absent. */
  team?: string;
}

/**
 * The app watches of validated targets: app targets whose memory rule is on (the tracker's
 * watch is built around memory), with the daily bandwidth allowance when the target opts in.
 */
export function appWatchesOf(targets: readonly AlertTarget[]): AppWatch[] {
  return targets
    .filter((target) => target.kind === "app" && target.rules.memory?.enabled)
    .map((target) => {
      const bandwidth = target.rules.dailyBandwidth;
      return {
        name: target.name,
        appId: target.ids[0]!,
        memoryThresholdPercent: target.rules.memory!.threshold,
        window: target.rules.memory!.window,
        ...(bandwidth?.enabled ? { bandwidthAllowanceGiBPerDay: bandwidth.threshold } : {}),
        ...(target.team === undefined ? {} : { team: target.team }),
      };
    });
}

export type AppRuleName = keyof typeof APP_RULES;

/** Monitor window → App Platform window: config uses one spelling for both. */
export const APP_WINDOW_OF: Record<MonitorWindow, AppWindow> = {
  "5m": "FIVE_MINUTES",
  "10m": "TEN_MINUTES",
  "30m": "THIRTY_MINUTES",
  "1h": "ONE_HOUR",
};

/** The rule tables by kind, for validation that walks every kind the same way. */
export const RULES_BY_KIND: Record<TargetKind, Record<string, MonitorRule | AppRule>> = {
  database: DATABASE_RULES,
  droplet: DROPLET_RULES,
  loadBalancer: LOAD_BALANCER_RULES,
  app: APP_RULES,
};

const WINDOW_WORDS: Record<MonitorWindow, string> = { "5m": "5 min", "10m": "10 min", "30m": "30 min", "1h": "1 hour" };

/** "orders-db CPU above 70% for 5 min" — short enough to read on a phone's lock screen. */
export function describeAlert(targetName: string, rule: MonitorRule | AppRule, threshold: number, window: MonitorWindow): string {
  const above = ("compare" in rule ? rule.compare === "GreaterThan" : rule.operator === "GREATER_THAN") ? "above" : "below";
  const amount = rule.unit === "percent" ? `${threshold}%` : rule.unit === "mbps" ? `${threshold} Mbps` : rule.unit === "gibPerDay" ? `${threshold} GiB` : `${threshold}`;
  return `${targetName} ${rule.metric} ${above} ${amount} for ${WINDOW_WORDS[window]}`;
}
