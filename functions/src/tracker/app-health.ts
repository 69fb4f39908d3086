/**
 * App Platform watches for the hourly `check`. DigitalOcean has no monitor alert policy type
 * for apps (DO-API-NOTES), so the tracker reads each configured app's memory_percentage and
 * yesterday's bandwidth_daily itself and turns what it finds into exactly-once alert events
 * (`CostStore.recordAlertEventOnce`), delivered through the same outbox as cost alerts.
 *
 * Memory is an incident with a start and an end, not a once-a-month fact, so its state lives
 * in the alert events themselves (no extra table):
 *
 *   no open incident ──(whole window above threshold)──► open: event `app-memory:<app>:<start>`
 *   open ──(whole window at or below threshold)──► closed: event `app-memory-recovered:<app>:<start>`
 *   anything else (a window that is partly above, no samples) leaves the state as it is.
 *
 * Requiring the whole window on both edges is the hysteresis: a blip shorter than the window
 * opens nothing, and one dip does not close an incident that is still mostly above. `<start>`
 * is when the samples went above and stayed above (read from the data, not the clock), so two
 * runs seeing the same incident compute the same key and only one of them fires it.
 */
import { addDays, billingMonthOf, isoDate, monthStart, parseIsoDate, type BillingMonth, type IsoDate } from "../../../core/calendar";
import type { DigitalOceanClient } from "../digitalocean/client";
import type { MetricsResponse } from "../digitalocean/types";
import type { NotificationMessage } from "../notify/message";
import { notificationsFor } from "../notify/outbox";
import { renderReport, subjectData, subjectPhrase, type MessageSubject } from "../notify/render";
import type { CostStore } from "../store/cost-store";
import type { AlertEvent } from "../store/types";
import type { AppWatchConfig } from "./config";
import type { TrackerLog } from "./ingest";
import type { EvaluationScope } from "./scope";

/** What the app watches read of their scope: the apps, and whom and where messages name and link. */
type AppScope = Pick<EvaluationScope, "apps" | "subject" | "dashboardUrl">;

/** The two DigitalOcean calls the app watches make. */
export type AppHealthApi = Pick<DigitalOceanClient, "getAppMetric" | "getAppBandwidthDaily">;

/** One memory sample of an app: the highest value any of its component instances reported at that instant. */
export interface MemorySample {
  at: Date;
  percent: number;
}

/** How a window of samples compares with the threshold. */
export type WindowVerdict =
  | { state: "above"; since: Date; peakPercent: number }
  | { state: "below"; since: Date; peakPercent: number }
  | { state: "mixed" }
  | { state: "no-data" };

/** What the app watches did in one run, for logs and tests. */
export interface AppHealthResult {
  /** Alert event keys this run fired (incidents opened, recoveries, bandwidth days). */
  fired: string[];
  /** Apps that could not be checked, with the reason; the cost checks still ran. */
  problems: string[];
}

// The stretch read before the window: enough to find where a run of samples above (or below)
// the threshold began, since an hourly check first sees an incident up to an hour after its start.
const LOOKBACK_MS = 2 * 3_600_000;
const GIB = 2 ** 30;

/** Idempotence key of a memory incident. */
export function memoryIncidentKey(appId: string, incidentStart: Date): string {
  return `app-memory:${appId}:${incidentStart.toISOString()}`;
}

/** Idempotence key of a memory incident's recovery. */
export function memoryRecoveryKey(appId: string, incidentStart: Date): string {
  return `app-memory-recovered:${appId}:${incidentStart.toISOString()}`;
}

/** Idempotence key of an app's bandwidth over its allowance on `date`. */
export function bandwidthEventKey(appId: string, date: IsoDate): string {
  return `app-bandwidth:${appId}:${date}`;
}

// Carries an incident still open at a month change into the new month's events, so finding
// it never needs more than this month and the last (listAlertEvents reads one month).
function incidentCarryKey(appId: string, incidentStart: Date): string {
  return `app-memory-open:${appId}:${incidentStart.toISOString()}`;
}

/**
 * Flattens a memory_percentage matrix to one sample per instant: the maximum over every
 * component and instance, because one component out of memory is the app in trouble, and
 * instances come and go with each deploy, so per-instance runs would break at every deploy.
 * Sorted by time; values that are not numbers are dropped.
 */
export function memorySamples(response: MetricsResponse): MemorySample[] {
  const byInstant = new Map<number, number>();
  for (const series of response.data.result) {
    for (const [time, value] of series.values) {
      const seconds = Number(time);
      const percent = Number(value);
      if (!Number.isFinite(seconds) || !Number.isFinite(percent)) continue;
      byInstant.set(seconds, Math.max(byInstant.get(seconds) ?? -Infinity, percent));
    }
  }
  return [...byInstant].sort(([a], [b]) => a - b).map(([seconds, percent]) => ({ at: new Date(seconds * 1000), percent }));
}

/**
 * Judges the window `[now − windowMinutes, now]`. "above" when the samples have been above
 * the threshold without a break since at or before the window's start (`since` is the first
 * sample of that unbroken run); "below" likewise for at-or-below; "mixed" when neither run
 * covers the whole window; "no-data" without a sample in the window.
 */
export function judgeWindow(samples: readonly MemorySample[], thresholdPercent: number, windowMinutes: number, now: Date): WindowVerdict {
  const windowStart = now.getTime() - windowMinutes * 60_000;
  const upToNow = samples.filter((sample) => sample.at.getTime() <= now.getTime());
  const last = upToNow[upToNow.length - 1];
  if (!last || last.at.getTime() < windowStart) return { state: "no-data" };
  const above = last.percent > thresholdPercent;
  let first = upToNow.length - 1;
  while (first > 0 && upToNow[first - 1]!.percent > thresholdPercent === above) first -= 1;
  const run = upToNow.slice(first);
  if (run[0]!.at.getTime() > windowStart) return { state: "mixed" };
  const peakPercent = Math.max(...run.filter((sample) => sample.at.getTime() >= windowStart).map((sample) => sample.percent));
  return { state: above ? "above" : "below", since: run[0]!.at, peakPercent };
}

function previousMonth(month: BillingMonth): BillingMonth {
  return billingMonthOf(new Date(monthStart(month).getTime() - 1));
}

function incidentStartOf(event: AlertEvent): Date | null {
  const start = event.payload.incidentStart;
  return typeof start === "string" ? new Date(start) : null;
}

/** The app's open incident's start, if any: the latest incident (or carry) with no recovery event. */
async function openIncident(store: CostStore, appId: string, now: Date): Promise<{ start: Date; carriedInto: Set<BillingMonth> } | null> {
  const current = billingMonthOf(now);
  const months = [previousMonth(current), current];
  const events = (await Promise.all(months.map((month) => store.listAlertEvents(month)))).flat();
  const opened = events.filter((event) => event.alertKey.startsWith(`app-memory:${appId}:`) || event.alertKey.startsWith(`app-memory-open:${appId}:`));
  const starts = opened.map(incidentStartOf).filter((start): start is Date => start !== null);
  if (starts.length === 0) return null;
  const start = new Date(Math.max(...starts.map((date) => date.getTime())));
  // The recovery is filed under the incident's month, which may be older than the two read above.
  const incidentMonth = billingMonthOf(start);
  const recoveries = months.includes(incidentMonth) ? events : await store.listAlertEvents(incidentMonth);
  if (recoveries.some((event) => event.alertKey === memoryRecoveryKey(appId, start))) return null;
  const carriedInto = new Set(opened.filter((event) => incidentStartOf(event)?.getTime() === start.getTime()).map((event) => event.billingMonth));
  return { start, carriedInto };
}

function appFacts(app: AppWatchConfig, subject: MessageSubject | undefined): { label: string; value: string }[] {
  return [
    ...(subject && "team" in subject ? [{ label: "Team", value: subject.team }] : []),
    { label: "App", value: app.name },
    { label: "App id", value: app.appId },
  ];
}

/** "App api (team staging)" in a multi-team deployment, "App api" otherwise. */
function appTitle(app: AppWatchConfig, subject: MessageSubject | undefined): string {
  return `App ${app.name}${subject ? ` (${subjectPhrase(subject)})` : ""}`;
}

function memoryHighMessage(app: AppWatchConfig, since: Date, peakPercent: number, scope: AppScope): NotificationMessage {
  const { dashboardUrl, subject } = scope;
  return renderReport({
    type: "app_memory_high",
    title: `${appTitle(app, subject)}: memory above ${app.memoryThresholdPercent}% for ${app.window}`,
    summary: `Memory of ${app.name} has been above ${app.memoryThresholdPercent}% since ${since.toISOString()} (peak ${peakPercent.toFixed(1)}% in the last ${app.window}). Consider a larger instance size or a memory leak fix; you will hear once more when it recovers.`,
    facts: [...appFacts(app, subject), { label: "Threshold", value: `${app.memoryThresholdPercent}%` }, { label: "Peak in window", value: `${peakPercent.toFixed(1)}%` }, { label: "Above since", value: since.toISOString() }],
    sections: [],
    ...(dashboardUrl ? { dashboardUrl } : {}),
    data: { ...subjectData(subject), appId: app.appId, app: app.name, thresholdPercent: app.memoryThresholdPercent, window: app.window, incidentStart: since.toISOString(), peakPercent },
  });
}

function memoryRecoveredMessage(app: AppWatchConfig, incidentStart: Date, recoveredAt: Date, scope: AppScope): NotificationMessage {
  const { dashboardUrl, subject } = scope;
  return renderReport({
    type: "app_memory_recovered",
    title: `${appTitle(app, subject)}: memory back under ${app.memoryThresholdPercent}%`,
    summary: `Memory of ${app.name} has been at or below ${app.memoryThresholdPercent}% since ${recoveredAt.toISOString()}, ending the incident that began ${incidentStart.toISOString()}.`,
    facts: [...appFacts(app, subject), { label: "Threshold", value: `${app.memoryThresholdPercent}%` }, { label: "Incident began", value: incidentStart.toISOString() }, { label: "Below since", value: recoveredAt.toISOString() }],
    sections: [],
    ...(dashboardUrl ? { dashboardUrl } : {}),
    data: { ...subjectData(subject), appId: app.appId, app: app.name, thresholdPercent: app.memoryThresholdPercent, incidentStart: incidentStart.toISOString(), recoveredAt: recoveredAt.toISOString() },
  });
}

function bandwidthMessage(app: AppWatchConfig, date: IsoDate, usedGiB: number, allowanceGiB: number, scope: AppScope): NotificationMessage {
  const { dashboardUrl, subject } = scope;
  return renderReport({
    type: "app_bandwidth_over_allowance",
    title: `${appTitle(app, subject)}: ${usedGiB.toFixed(2)} GiB served on ${date}, over the ${allowanceGiB} GiB allowance`,
    summary: `${app.name} served ${usedGiB.toFixed(2)} GiB on ${date}, ${(usedGiB - allowanceGiB).toFixed(2)} GiB over the configured ${allowanceGiB} GiB a day; transfer beyond the app's included allowance is billed per GiB.`,
    facts: [...appFacts(app, subject), { label: "Served", value: `${usedGiB.toFixed(2)} GiB` }, { label: "Allowance", value: `${allowanceGiB} GiB / day` }, { label: "Day", value: date }],
    sections: [],
    ...(dashboardUrl ? { dashboardUrl } : {}),
    data: { ...subjectData(subject), appId: app.appId, app: app.name, date, usedGiB, allowanceGiB },
  });
}

/** Reads one app's memory and moves its incident along the state machine above; returns the keys fired. */
async function checkMemory(api: AppHealthApi, store: CostStore, scope: AppScope, app: AppWatchConfig, now: Date): Promise<string[]> {
  const response = await api.getAppMetric("memory_percentage", { appId: app.appId, start: new Date(now.getTime() - app.windowMinutes * 60_000 - LOOKBACK_MS), end: now });
  const verdict = judgeWindow(memorySamples(response), app.memoryThresholdPercent, app.windowMinutes, now);
  if (verdict.state === "mixed" || verdict.state === "no-data") return [];
  const open = await openIncident(store, app.appId, now);
  if (verdict.state === "above") {
    if (open) {
      const month = billingMonthOf(now);
      if (!open.carriedInto.has(month)) {
        await store.recordAlertEventOnce({ alertKey: incidentCarryKey(app.appId, open.start), billingMonth: month, firedAt: now, payload: { kind: "app-memory-open", appId: app.appId, incidentStart: open.start.toISOString() }, notifications: [] });
      }
      return [];
    }
    const alertKey = memoryIncidentKey(app.appId, verdict.since);
    const outcome = await store.recordAlertEventOnce({
      alertKey,
      billingMonth: billingMonthOf(verdict.since),
      firedAt: now,
      payload: { kind: "app-memory-high", appId: app.appId, app: app.name, incidentStart: verdict.since.toISOString(), thresholdPercent: app.memoryThresholdPercent, window: app.window, peakPercent: verdict.peakPercent },
      notifications: notificationsFor(app.recipients, memoryHighMessage(app, verdict.since, verdict.peakPercent, scope)),
    });
    return outcome.fired ? [alertKey] : [];
  }
  if (!open) return [];
  const alertKey = memoryRecoveryKey(app.appId, open.start);
  const outcome = await store.recordAlertEventOnce({
    alertKey,
    billingMonth: billingMonthOf(open.start),
    firedAt: now,
    payload: { kind: "app-memory-recovered", appId: app.appId, app: app.name, incidentStart: open.start.toISOString(), recoveredAt: verdict.since.toISOString() },
    notifications: notificationsFor(app.recipients, memoryRecoveredMessage(app, open.start, verdict.since, scope)),
  });
  return outcome.fired ? [alertKey] : [];
}

/** Compares yesterday's bytes served with the allowance; asks DigitalOcean only until the day's alert has fired. */
async function checkBandwidth(api: AppHealthApi, store: CostStore, scope: AppScope, app: AppWatchConfig, allowanceGiB: number, now: Date): Promise<string[]> {
  const date = addDays(isoDate(now), -1);
  const billingMonth = billingMonthOf(parseIsoDate(date));
  const alertKey = bandwidthEventKey(app.appId, date);
  if ((await store.firedAlertKeys(billingMonth)).includes(alertKey)) return [];
  const usage = await api.getAppBandwidthDaily(app.appId, parseIsoDate(date));
  const bytes = (usage.app_bandwidth_usage ?? []).filter((entry) => entry.app_id === undefined || entry.app_id === app.appId).reduce((sum, entry) => sum + Number(entry.bandwidth_bytes ?? "0"), 0);
  if (!Number.isFinite(bytes)) throw new Error(`bandwidth_daily for ${app.name} answered a bandwidth_bytes that is not a number`);
  const usedGiB = bytes / GIB;
  if (usedGiB <= allowanceGiB) return [];
  const outcome = await store.recordAlertEventOnce({
    alertKey,
    billingMonth,
    firedAt: now,
    payload: { kind: "app-bandwidth", appId: app.appId, app: app.name, date, bytes, usedGiB, allowanceGiB },
    notifications: notificationsFor(app.recipients, bandwidthMessage(app, date, usedGiB, allowanceGiB, scope)),
  });
  return outcome.fired ? [alertKey] : [];
}

/**
 * Checks every app of the scope (a team's apps, read with that team's token) for memory
 * (incident opened / recovered) and yesterday's bandwidth, into the team's store. An app whose metrics cannot be read is logged and listed in `problems`, and the
 * other apps and the cost alerts carry on: a monitoring gap must not hold back a budget alert.
 */
export async function checkApps(api: AppHealthApi, store: CostStore, scope: AppScope, now: Date, log: TrackerLog): Promise<AppHealthResult> {
  const result: AppHealthResult = { fired: [], problems: [] };
  for (const app of scope.apps) {
    try {
      result.fired.push(...(await checkMemory(api, store, scope, app, now)));
      if (app.bandwidthAllowanceGiBPerDay !== undefined) result.fired.push(...(await checkBandwidth(api, store, scope, app, app.bandwidthAllowanceGiBPerDay, now)));
    } catch (error) {
      const problem = `app ${app.name} (${app.appId}) not checked: ${(error as Error).message}`;
      log.warn(problem);
      result.problems.push(problem);
    }
  }
  return result;
}
