/**
 * What `check` decides after ingesting: which thresholds crossed, whether the month-end
 * projection is over budget, which days spiked. Each finding becomes one alert event through
 * `CostStore.recordAlertEventOnce`, whose unique (key, month) makes it fire exactly once per
 * billing month however many runs, reruns or concurrent runs see it. Each function evaluates
 * one scope (./scope.ts: a team with its own settings, or the organisation) into that scope's
 * store, so a team's events are its own and its messages name it.
 */
import { crossedThresholds, forecastEventKey, forecastExceedsBudget, thresholdEventKey } from "../../../core/billing-thresholds";
import { addDays, billingMonthOf, hoursElapsedInMonth, isoDate, monthStart, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { forecastMonthEnd, type FixedResource, type MonthEndForecast } from "../../../core/forecast";
import { MONTHLY_CAP_HOURS } from "../../../core/hourly-billing";
import { estimateResource } from "../../../core/pricing";
import { detectSpikes, type DailySeries, type Spike } from "../../../core/spikes";
import { notificationsFor } from "../notify/outbox";
import { renderForecastAlert, renderSpike, renderThresholdCrossed } from "../notify/render";
import type { CostStore } from "../store/cost-store";
import type { AccountReading } from "./ingest";
import type { ThresholdConfig } from "./config";
import type { EvaluationScope } from "./scope";

/** Which alert events one run fired (keys), for logs and tests. */
export interface FiredAlerts {
  thresholds: string[];
  forecast: string | null;
  spikes: string[];
}

/**
 * The thresholds in force: the config's (authoritative) plus enabled ones added through the
 * dashboard's API (`source = 'api'` rows of cost_alerts), each with its own recipients.
 */
async function thresholdsInForce(store: CostStore, scope: Pick<EvaluationScope, "thresholds">): Promise<ThresholdConfig[]> {
  const configIds = new Set(scope.thresholds.map((t) => t.id));
  const added = (await store.listAlerts({ enabledOnly: true }))
    .filter((alert) => alert.source === "api" && alert.kind === "threshold" && !configIds.has(alert.id))
    .map((alert) => ({ id: alert.id, amountUsd: alert.thresholdUsd, recipients: alert.recipients }));
  return [...scope.thresholds, ...added];
}

/** Fires every threshold at or below month-to-date spend that has not fired this month, each to its own recipients. */
export async function fireThresholds(
  store: CostStore,
  scope: Pick<EvaluationScope, "subject" | "thresholds" | "budgetMonthlyUsd" | "dashboardUrl">,
  monthToDateUsd: number,
  now: Date,
): Promise<string[]> {
  const billingMonth = billingMonthOf(now);
  const firedKeys = new Set(await store.firedAlertKeys(billingMonth));
  const thresholds = await thresholdsInForce(store, scope);
  const alreadyFired = thresholds.filter((t) => firedKeys.has(thresholdEventKey(t.id, billingMonth))).map((t) => t.id);
  const fired: string[] = [];
  for (const threshold of crossedThresholds(monthToDateUsd, thresholds, alreadyFired)) {
    const message = renderThresholdCrossed({
      thresholdUsd: threshold.amountUsd,
      monthToDateUsd,
      billingMonth,
      budgetUsd: scope.budgetMonthlyUsd,
      ...(scope.dashboardUrl ? { dashboardUrl: scope.dashboardUrl } : {}),
      ...(scope.subject ? { subject: scope.subject } : {}),
    });
    const alertKey = thresholdEventKey(threshold.id, billingMonth);
    const outcome = await store.recordAlertEventOnce({
      alertKey,
      billingMonth,
      firedAt: now,
      payload: { kind: "threshold", thresholdUsd: threshold.amountUsd, monthToDateUsd },
      notifications: notificationsFor(threshold.recipients, message),
    });
    if (outcome.fired) fired.push(alertKey);
  }
  return fired;
}

const DROPLET = "digitalocean:index/droplet:Droplet";
const VOLUME = "digitalocean:index/volume:Volume";
const DATABASE = "digitalocean:index/databaseCluster:DatabaseCluster";

/**
 * The month's fixed resources. Invoice lines billed in hours give each resource's monthly
 * price (amount × 672 ÷ min(hours, 672)) and how long it has run; a line whose resource is no
 * longer listed stopped when its hours ran out. Droplets, volumes and databases listed but not
 * yet on the preview (it is regenerated daily) are priced by core/pricing from their size.
 */
export function fixedResourcesOf(reading: AccountReading, now: Date): FixedResource[] {
  const month = billingMonthOf(now);
  const start = monthStart(month);
  const elapsed = hoursElapsedInMonth(month, now);
  const resources: FixedResource[] = [];
  const onInvoice = new Set<string>();
  // The ingest summed each resource × product's hourly items while reading (CumulativeLine).
  for (const { resourceKey, hourlyCents: cents, hours } of reading.previewLines.values()) {
    if (hours === 0) continue;
    onInvoice.add(resourceKey);
    const monthlyUsd = ((cents / 100) * MONTHLY_CAP_HOURS) / Math.min(hours, MONTHLY_CAP_HOURS);
    const listed = reading.existingResources.has(resourceKey) || !/^[0-9a-f-]{8,}$|^\d+$/.test(resourceKey);
    // The preview lags up to a day, so a line a day short of the month so far still ran all month.
    const ranAllMonth = hours >= elapsed - 24;
    const resource: FixedResource = { id: resourceKey, monthlyUsd };
    if (!listed) resource.deletedAt = new Date(start.getTime() + hours * 3_600_000);
    else if (!ranAllMonth) resource.createdAt = new Date(now.getTime() - hours * 3_600_000);
    resources.push(resource);
  }
  const priced = (id: string, type: string, inputs: Record<string, unknown>, createdAt: string | undefined) => {
    if (onInvoice.has(id)) return;
    const estimate = estimateResource(type, inputs);
    if (estimate.monthlyUsd === null || estimate.monthlyUsd === 0) return;
    const created = createdAt ? new Date(createdAt) : undefined;
    resources.push({ id, monthlyUsd: estimate.monthlyUsd, ...(created && created > start ? { createdAt: created } : {}) });
  };
  for (const droplet of reading.droplets) priced(String(droplet.id), DROPLET, { size: droplet.size_slug }, droplet.created_at);
  for (const volume of reading.volumes) if (volume.id) priced(volume.id, VOLUME, { size: volume.size_gigabytes }, volume.created_at);
  for (const database of reading.databases) {
    if (database.id) priced(database.id, DATABASE, { engine: database.engine, size: database.size, nodeCount: database.num_nodes, storageSizeMib: database.storage_size_mib }, database.created_at);
  }
  return resources;
}

/** The month-end projection: fixed resources priced to month end plus the usage run-rate. */
export function projectMonthEnd(reading: AccountReading, monthToDateUsd: number, now: Date): MonthEndForecast {
  return forecastMonthEnd({ billingMonth: billingMonthOf(now), now, monthToDateUsd, fixedResources: fixedResourcesOf(reading, now), usageDaily: [] });
}

/** Fires the forecast alert (once per month) when the projection is over budget; returns its key if this run fired it. */
export async function fireForecast(
  store: CostStore,
  scope: Pick<EvaluationScope, "subject" | "forecast" | "budgetMonthlyUsd" | "dashboardUrl">,
  forecast: MonthEndForecast,
  monthToDateUsd: number,
  now: Date,
): Promise<string | null> {
  if (!scope.forecast.enabled || !forecastExceedsBudget(forecast, scope.budgetMonthlyUsd)) return null;
  const billingMonth: BillingMonth = forecast.billingMonth;
  const message = renderForecastAlert({
    projectedUsd: forecast.projectedUsd,
    budgetUsd: scope.budgetMonthlyUsd,
    monthToDateUsd,
    billingMonth,
    asOf: isoDate(now),
    ...(scope.dashboardUrl ? { dashboardUrl: scope.dashboardUrl } : {}),
    ...(scope.subject ? { subject: scope.subject } : {}),
  });
  const alertKey = forecastEventKey(billingMonth);
  const outcome = await store.recordAlertEventOnce({
    alertKey,
    billingMonth,
    firedAt: now,
    payload: { kind: "forecast", projectedUsd: forecast.projectedUsd, budgetUsd: scope.budgetMonthlyUsd, fixedUsd: forecast.fixedUsd, method: forecast.method },
    notifications: notificationsFor(scope.forecast.recipients, message),
  });
  return outcome.fired ? alertKey : null;
}

/** Days of stored history the spike detector is given: its window plus its weekly factors plus a margin for episodes. */
function spikeHistoryDays(scope: Pick<EvaluationScope, "spikes">): number {
  return scope.spikes.options.windowDays + scope.spikes.options.seasonalWeeks * 7 + 28;
}

/** Spikes on the last complete day (yesterday), per service and for the total, from stored history; none on the history's first day. */
export async function findSpikes(store: CostStore, scope: Pick<EvaluationScope, "spikes">, now: Date): Promise<Spike[]> {
  const asOf = addDays(isoDate(now), -1);
  const history = await store.listBillingHistory(addDays(asOf, -spikeHistoryDays(scope)), asOf);
  if (history.length === 0) return [];
  const points = new Map<string, { date: IsoDate; usd: number }[]>();
  for (const day of history) {
    for (const [service, usd] of Object.entries(day.costByService)) {
      const list = points.get(service) ?? [];
      list.push({ date: day.date, usd });
      points.set(service, list);
    }
  }
  const series: DailySeries[] = [...points].map(([service, list]) => ({ service, points: list }));
  // On the first day of our records every service is "new": that is the start of the history, not news.
  return detectSpikes(series, scope.spikes.options, asOf).filter((spike) => !(spike.kind === "new-service" && spike.date === history[0]!.date));
}

/** Idempotence key of a spike: one per service per day. */
export function spikeEventKey(spike: Pick<Spike, "service" | "date">): string {
  return `spike:${spike.service}:${spike.date}`;
}

/** Fires one event per spike (keyed by service and date); returns the keys this run fired. */
export async function fireSpikes(
  store: CostStore,
  scope: Pick<EvaluationScope, "subject" | "spikes" | "dashboardUrl">,
  spikes: readonly Spike[],
  now: Date,
): Promise<string[]> {
  if (!scope.spikes.enabled) return [];
  const fired: string[] = [];
  for (const spike of spikes) {
    const alertKey = spikeEventKey(spike);
    const message = renderSpike({
      date: spike.date,
      dimension: "service",
      key: spike.service,
      amountUsd: spike.usd,
      baselineUsd: spike.baselineUsd,
      ...(scope.dashboardUrl ? { dashboardUrl: scope.dashboardUrl } : {}),
      ...(scope.subject ? { subject: scope.subject } : {}),
    });
    const outcome = await store.recordAlertEventOnce({
      alertKey,
      billingMonth: billingMonthOf(new Date(`${spike.date}T00:00:00Z`)),
      firedAt: now,
      payload: { kind: spike.kind, service: spike.service, date: spike.date, usd: spike.usd, baselineUsd: spike.baselineUsd },
      notifications: notificationsFor(scope.spikes.recipients, message),
    });
    if (outcome.fired) fired.push(alertKey);
  }
  return fired;
}
