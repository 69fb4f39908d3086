/**
 * The advisor's thresholds, each with where its default comes from. A stack overrides them in
 * `billing.advice`; the tracker resolves them once with {@link resolveAdviceSettings}.
 */
import { REQUIRE_TAGS_DEFAULTS, type RequireTagsConfig } from "../tags";

export interface AdviceSettings {
  /** Days of metrics a utilisation rule looks at. */
  lookbackDays: number;
  /** Share of the window the samples must cover before a utilisation rule judges (0–1). */
  minCoverage: number;
  /** A droplet off at least this long is reported (`droplet-powered-off`). */
  poweredOffDays: number;
  /** A smaller size must keep p95 CPU and memory under this percent, after scaling by capacity. */
  resizeTargetP95Pct: number;
  /** A volume without a droplet at least this long is reported. */
  volumeUnattachedDays: number;
  /** A reserved IP without a droplet at least this long is reported. */
  reservedIpUnassignedDays: number;
  /** Snapshots older than this are reported (and any whose source is gone). */
  snapshotMaxAgeDays: number;
  /**
   * A snapshot kept on purpose (taken by clean-up, or after a "snapshot, then …" suggestion for
   * the same resource) is not reported, old or orphaned, until it is older than this.
   */
  snapshotRetentionDays: number;
  /** A load balancer whose open connections never exceeded this over the window is idle. */
  loadBalancerIdleMaxConnections: number;
  /** A database whose p95 CPU stays below this percent is a downsize candidate… */
  databaseCpuLowPct: number;
  /** …when its p95 memory also stays below this percent. */
  databaseMemoryLowPct: number;
  /**
   * A dismissed suggestion stays dismissed while its measured figures (p95 CPU and memory, in
   * percent) stay within this many percentage points of their values when it was dismissed.
   */
  dismissalTolerancePct: number;
  /** The tag requirement of the pack's `do-resource-require-tags`, for the `untagged` report. */
  requireTags: RequireTagsConfig;
}

/**
 * Defaults, chosen 2026-11-29:
 * - lookbackDays 14: AWS Trusted Advisor's "Low Utilization Amazon EC2 Instances" check judges the
 *   last 14 days; so does ours (issue 10 sets the same default).
 * - minCoverage 0.8: a resource with only a few days of samples (new, or its metrics agent just
 *   installed) is not judged idle; do-cost-guard's choice.
 * - poweredOffDays 7, volumeUnattachedDays 7, snapshotMaxAgeDays 90: issue 10's defaults, after
 *   Cloud Custodian's `mark-for-op` examples, which wait days, not hours, before acting.
 * - snapshotRetentionDays 30: issue 14's default. A snapshot taken before removing its droplet or
 *   volume is the way back from that removal; a month (one invoice) is long enough to find out it
 *   is needed, and reporting it the day after the advisor asked for it would contradict the advice.
 * - resizeTargetP95Pct 60: issue 10; leaves 40% headroom for the peaks p95 does not show.
 * - reservedIpUnassignedDays 1: an IP moved between droplets during a redeploy is briefly unassigned;
 *   DigitalOcean bills unassigned reserved IPs by the hour, so a day costs cents. do-cost-guard's choice.
 * - loadBalancerIdleMaxConnections 2: one or two stray connections (a scanner, an uptime probe) are
 *   not traffic; do-cost-guard's choice.
 * - databaseCpuLowPct 20: the default of the `cpuLow` database monitor alert (alerts/rules.ts), so the
 *   alert and the advice agree on "under-used".
 * - dismissalTolerancePct 10: a 14-day p95 moves a few points from one daily run to the next
 *   without the workload changing; 10 points is a sixth of the 60% resize target, the smallest
 *   move that can change which size fits. do-cost-guard's choice (issue 14 asks for a set tolerance).
 * - databaseMemoryLowPct 50: a smaller plan halves memory; below 50% the working set still fits.
 */
export const DEFAULT_ADVICE_SETTINGS: Readonly<AdviceSettings> = Object.freeze({
  lookbackDays: 14,
  minCoverage: 0.8,
  poweredOffDays: 7,
  resizeTargetP95Pct: 60,
  volumeUnattachedDays: 7,
  reservedIpUnassignedDays: 1,
  snapshotMaxAgeDays: 90,
  snapshotRetentionDays: 30,
  loadBalancerIdleMaxConnections: 2,
  databaseCpuLowPct: 20,
  databaseMemoryLowPct: 50,
  dismissalTolerancePct: 10,
  requireTags: REQUIRE_TAGS_DEFAULTS,
});

/** Defaults overlaid with the given settings (already validated by the settings schema). */
export function resolveAdviceSettings(overrides: Partial<AdviceSettings> = {}): AdviceSettings {
  return { ...DEFAULT_ADVICE_SETTINGS, ...overrides };
}
