/**
 * DigitalOcean Functions' limits, which size the tracker's deployment
 * (docs.digitalocean.com/products/functions/details/limits, "Last edited on 17 Jan 2025",
 * read 2026-12-06): a function's timeout is at most 15 minutes *including initialisation*;
 * memory 128 MB to 1 GB (default 256 MB); parameters and results at most 1 MB each; and while
 * scheduled triggers are in private preview, at most 3 scheduled triggers, which the tracker's
 * hourly check, daily and weekly tasks already use: work that needs more time (reading a large
 * account's metrics) is spread over the runs that exist, never given a fourth schedule.
 */
import { DEFAULT_REQUEST_BUDGET, pacedSeconds, plannedMetricRequests } from "./advice/request-budget";

export const FUNCTIONS_LIMITS = Object.freeze({
  maxTimeoutSeconds: 900,
  minMemoryMb: 128,
  maxMemoryMb: 1024,
  defaultMemoryMb: 256,
  maxResultBytes: 1024 * 1024,
  maxScheduledTriggers: 3,
});

/**
 * Wall time of a check before its advice slice, and of the daily and weekly reports: a few dozen
 * paged API calls, rendering and delivery. Our assumption (2026-11-27), to be replaced by
 * measured activation durations.
 */
export const BASE_RUN_SECONDS = { check: 10, daily: 15, weekly: 15 } as const;

/**
 * Seconds a run spends reading metrics when it spends its whole advice slice: the planned share
 * of `requestBudget` at the pacer's 200 a minute, before the answers' own latency. With the
 * default budget of 1,200: 1,080 requests, 300 s. Zero when advice is off (`null`).
 */
export function adviceSliceSeconds(requestBudget: number | null = DEFAULT_REQUEST_BUDGET): number {
  return requestBudget === null ? 0 : pacedSeconds(plannedMetricRequests(requestBudget, 0));
}

/**
 * The tracker action's default timeout, 600 s (chosen 2026-12-06 within the 900 s limit): the
 * hourly check with its full advice slice needs about 10 s + 300 s of pacing (see
 * {@link adviceSliceSeconds}); 600 s leaves as much again for slow metric answers and the 20 s
 * deadline margin, and a run that still runs late stops itself at its deadline with its
 * progress saved. Functions bills the duration used, not the timeout, so the headroom is free;
 * the 300 s that was the default could not hold one full slice and the check before it.
 */
export const DEFAULT_TRACKER_TIMEOUT_SECONDS = 600;
