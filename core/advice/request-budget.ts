/**
 * Spending DigitalOcean's API rate limit on metrics. Every metric is one request per resource,
 * and the API allows 5,000 requests an hour and 250 a minute per token (the OpenAPI spec's
 * `specification/description.yml`, "Rate Limit"): a large account cannot be analysed in
 * one run without starving the hourly check. So each advise run spends at most a budget, least
 * recently analysed resources first, and results are kept in the store, so coverage accumulates
 * over runs.
 */

/** Defaults, chosen 2026-11-29: 1,000 leaves 4,000 of the hour's 5,000 for the check and people's own tools; 200 stays under the 250/minute burst limit. */
export const DEFAULT_REQUEST_BUDGET = 1_000;
export const DEFAULT_REQUESTS_PER_MINUTE = 200;
/** A resource analysed less than this long ago is not fetched again: utilisation over 14 days barely moves in a day. */
export const DEFAULT_REANALYSE_AFTER_HOURS = 24;

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

  /** Resolves when one more request may be sent, and records it as sent. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.sent.length > 0 && this.sent[0] <= now - 60_000) this.sent.shift();
      if (this.sent.length < this.perMinute) {
        this.sent.push(now);
        return;
      }
      await this.sleep(this.sent[0] + 60_000 - now);
    }
  }
}
