/**
 * Spending DigitalOcean's API rate limit on metrics. Every metric is one request per resource,
 * and the API allows 5,000 requests an hour and 250 a minute per token (the OpenAPI spec's
 * `specification/description.yml`, "Rate Limit"; vendored in vendor/digitalocean-openapi): a
 * large account cannot be analysed in one run without starving the hourly check. So every run
 * spends at most a budget, least recently analysed resources first, and results are kept in the
 * store, so coverage accumulates over runs: the hourly check spends a slice, the daily task what
 * its report and upkeep leave.
 */
import { NO_DEADLINE, type RunDeadline } from "../deadline";

/** DigitalOcean's per-token limit per hour (the spec's "Rate Limit"); no run may plan beyond it. */
export const DIGITALOCEAN_REQUESTS_PER_HOUR = 5_000;

/**
 * Requests one run may send with one token, every attempt counted (defaults chosen 2026-12-06).
 * 1,200 a run: planned at 90% (1,080) and less the check's and the inventory's own requests
 * (about 75 on a 5,000-droplet account), about 1,000 metric reads are left, 250 droplets a run,
 * so the hourly check alone reads 5,000 droplets in 20 runs (≤ 24 h). Two runs that start
 * together (the daily task beside the hourly check) stay under 2,500 of the hour's 5,000.
 */
export const DEFAULT_REQUEST_BUDGET = 1_200;
/** 200 a minute leaves 50 of DigitalOcean's 250-a-minute burst limit to the other runs and people's own tools. */
export const DEFAULT_REQUESTS_PER_MINUTE = 200;
/**
 * The share of a run's budget its metric reads are planned to: the other 10% is headroom for
 * retries (a 429 or a 5xx costs a second request), so a plan that meets a few failures still ends
 * inside the budget instead of running into it (engineering choice, 2026-12-06).
 */
export const PLANNED_SHARE_OF_BUDGET = 0.9;
/**
 * A resource analysed at least this long ago is due again (engineering choice, 2026-12-06):
 * utilisation over 14 days barely moves in a day, and 20 h, not 24 h, leaves a margin so a
 * resource read 23 h 50 min ago by yesterday's run is due on today's, even when the runs drift.
 */
export const DEFAULT_REANALYSE_AFTER_HOURS = 20;

/** Metric requests one resource of each kind costs. */
export const METRIC_REQUESTS = {
  /** cpu, memory_total, memory_available, bandwidth (public, outbound). */
  droplet: 4,
  /** frontend_connections_current. */
  loadBalancer: 1,
  /** cpu_usage and memory_usage; DigitalOcean serves these for MySQL clusters only. */
  database: 2,
} as const;

export interface MetricTarget {
  kind: keyof typeof METRIC_REQUESTS;
  id: string;
  /** When its metrics were last fetched; null when never. */
  lastAnalysedAt: Date | null;
}

/**
 * Metric requests a run may plan: {@link PLANNED_SHARE_OF_BUDGET} of its budget, less what the
 * run has already sent with the same token (its check, inventory, calibration, clean-up).
 */
export function plannedMetricRequests(budget: number, alreadySent: number): number {
  return Math.max(0, Math.floor(budget * PLANNED_SHARE_OF_BUDGET) - alreadySent);
}

/**
 * The targets to fetch this run: never-analysed first, then the longest ago, skipping any
 * analysed within `reanalyseAfterHours`, until the next would exceed `budget` requests.
 */
export function chooseMetricTargets(targets: readonly MetricTarget[], budget: number, now: Date, reanalyseAfterHours = DEFAULT_REANALYSE_AFTER_HOURS): { chosen: MetricTarget[]; requests: number; waiting: number } {
  const staleBefore = now.getTime() - reanalyseAfterHours * 3_600_000;
  const due = targets
    .filter((t) => t.lastAnalysedAt === null || t.lastAnalysedAt.getTime() <= staleBefore)
    .sort((a, b) => (a.lastAnalysedAt?.getTime() ?? -Infinity) - (b.lastAnalysedAt?.getTime() ?? -Infinity) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  const chosen: MetricTarget[] = [];
  let requests = 0;
  for (const target of due) {
    const cost = METRIC_REQUESTS[target.kind];
    if (requests + cost > budget) break;
    chosen.push(target);
    requests += cost;
  }
  return { chosen, requests, waiting: due.length - chosen.length };
}

/**
 * Seconds the pacer needs to send `requests` at `perMinute`: the first minute's share at once,
 * then one more minute per further share. What a run spending its whole slice takes, before
 * the answers' own latency; the deployment's timeout and cost estimate are sized with it.
 */
export function pacedSeconds(requests: number, perMinute = DEFAULT_REQUESTS_PER_MINUTE): number {
  return requests <= 0 ? 0 : (Math.ceil(requests / perMinute) - 1) * 60;
}

/**
 * Spaces requests so no 60-second window holds more than `perMinute` of them: a sliding window
 * of send times, waiting for the oldest to age out. Clock and sleep are injected for tests.
 */
export class RequestPacer {
  private readonly sent: number[] = [];

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perMinute >= 1)) throw new RangeError(`perMinute must be at least 1 (got ${perMinute})`);
  }

  /**
   * Resolves true when one more request may be sent, and records it as sent; resolves false at
   * once, recording nothing, when the next free slot lies beyond `deadline`: a request that
   * cannot start before the run's margin is not sent at all.
   */
  async take(deadline: RunDeadline = NO_DEADLINE): Promise<boolean> {
    for (;;) {
      if (deadline.passed()) return false;
      const now = this.now();
      while (this.sent.length > 0 && this.sent[0] <= now - 60_000) this.sent.shift();
      if (this.sent.length < this.perMinute) {
        this.sent.push(now);
        return true;
      }
      const wait = this.sent[0] + 60_000 - now;
      if (!deadline.allows(wait)) return false;
      await this.sleep(wait);
    }
  }
}
