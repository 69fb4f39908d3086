/**
 * The tracker's one entry point: `handle(task, deps)`. The Functions action, the local CLI
 * and the tests all call it with their own dependencies and clock, so what runs on schedule
 * in production is exactly what the month-replay test exercises.
 *
 * - `check` (hourly): ingest, thresholds, forecast, spikes, App Platform watches, then deliver the outbox.
 * - `daily` / `weekly`: `check`, then the unit count (read and kept with its time when `units`
 *   is configured), then the report (deduplicated per date / ISO week); `daily`
 *   first does the account's upkeep when `deps.upkeep` is given and the config enables it: the
 *   savings advisor (so the weekly "Top savings" and the dashboard stay current), the catalog
 *   calibration against the invoice, and the clean-up of expired resources. Each is logged and
 *   skipped on failure: upkeep never holds back the day's report.
 * - `history`: back-fill daily history from invoices (and billing insights).
 */
import { Client } from "pg";
import { isoDate } from "../../../core/calendar";
import type { MonthEndForecast } from "../../../core/forecast";
import type { Spike } from "../../../core/spikes";
import type { UnitCostConfig } from "../../../core/unit-cost";
import { deliverPending, type DeliveryOptions, type DeliveryResult, type Transports } from "../notify/outbox";
import { AdviceStore } from "../store/advice-store";
import { CostStore } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";
import type { PriceCatalog } from "../../../core/pricing";
import { advise, type AdviceApi, type AdviseResult } from "./advise";
import { runCalibration, type CalibrationApi } from "./calibrate";
import { cleanup, sendCleanupNotices, type CleanupReader, type CleanupReport, type CleanupWriter } from "./cleanup";
import { checkApps, type AppHealthApi, type AppHealthResult } from "./app-health";
import { findSpikes, fireForecast, fireSpikes, fireThresholds, projectMonthEnd, type FiredAlerts } from "./alerts";
import type { TrackerConfig } from "./config";
import { backfillHistory, type HistoryResult } from "./history";
import { readAccount, writeReading, type IngestResult, type TrackerApi, type TrackerLog } from "./ingest";
import { enqueueDailyReport, enqueueWeeklyReport, type UnitResolver } from "./reports";

/** The tasks the scheduler and the CLI can run. */
export type TrackerTask = "check" | "daily" | "weekly" | "history";

/** Every task name, for argument parsing. */
export const TRACKER_TASKS: readonly TrackerTask[] = ["check", "daily", "weekly", "history"];

/** What a task needs from the outside world; everything is injected, including the clock. */
export interface TrackerDeps {
  client: TrackerApi & AppHealthApi;
  /** A migrated database (CostStore.open / openStore did it); the ingest needs its transactions. */
  db: SqlClient;
  transports: Transports;
  now: Date;
  config: TrackerConfig;
  log: TrackerLog;
  /** Overrides how the unit count is read (default: count / url / read-only SQL). */
  resolveUnits?: UnitResolver;
  delivery?: DeliveryOptions;
  /** The clients the daily upkeep uses; each part runs when present and enabled in the config. */
  upkeep?: DailyUpkeep;
}

/** What the daily upkeep needs beyond the check's client; its settings come from the config. */
export interface DailyUpkeep {
  catalog: PriceCatalog;
  /** The advisor's client, whose fetch is metered to `config.advice.requestBudget`, and its request count. */
  advice?: { api: AdviceApi; requestsSent: () => number };
  calibration?: { api: CalibrationApi };
  /** `write` (the separate write-scoped client) is used only when `config.cleanup.apply` is on. */
  cleanup?: { read: CleanupReader; write?: CleanupWriter };
}

/** What the daily upkeep did; a part that failed says why. */
export interface UpkeepResult {
  advice?: AdviseResult | { error: string };
  calibration?: { notified: string[] } | { error: string };
  cleanup?: CleanupReport | { error: string };
}

/** The outcome of `check` (and of the check inside `daily`/`weekly`). */
export interface CheckResult {
  ingest: IngestResult;
  forecast: MonthEndForecast;
  /** Spikes found on yesterday (fired or fired before). */
  spikes: Spike[];
  fired: FiredAlerts;
  /** App memory incidents, recoveries and bandwidth days fired, and apps that could not be read. */
  apps: AppHealthResult;
  delivery: DeliveryResult;
}

/** What `handle` returns, by task. */
export type TaskResult =
  | { task: "check"; check: CheckResult }
  | { task: "daily" | "weekly"; check: CheckResult; reportRowsEnqueued: number; delivery: DeliveryResult; upkeep?: UpkeepResult }
  | { task: "history"; history: HistoryResult };

/** Delivers due outbox rows, batch after batch, until a batch comes back short. */
async function deliverAll(store: CostStore, deps: TrackerDeps): Promise<DeliveryResult> {
  const batchSize = deps.delivery?.batchSize ?? 50;
  const total: DeliveryResult = { delivered: 0, failed: 0, pending: 0 };
  for (;;) {
    const result = await deliverPending(store, deps.transports, deps.now, deps.delivery);
    total.delivered += result.delivered;
    total.failed += result.failed;
    total.pending = result.pending;
    if (result.delivered + result.failed < batchSize) return total;
  }
}

async function check(store: CostStore, deps: TrackerDeps): Promise<CheckResult> {
  const { config, now, log } = deps;
  const reading = await readAccount(deps.client, log);
  const ingest = await writeReading(deps.db, reading, now, log);
  log.info(`month to date ${ingest.monthToDateUsd.toFixed(2)} USD; history written for ${ingest.daysWritten.join(", ") || "no day"}`);
  const thresholds = await fireThresholds(store, config, ingest.monthToDateUsd, now);
  const forecast = projectMonthEnd(reading, ingest.monthToDateUsd, now);
  const forecastKey = await fireForecast(store, config, forecast, ingest.monthToDateUsd, now);
  const spikes = await findSpikes(store, config, now);
  const spikeKeys = await fireSpikes(store, config, spikes, now);
  const fired: FiredAlerts = { thresholds, forecast: forecastKey, spikes: spikeKeys };
  if (thresholds.length + spikeKeys.length > 0 || forecastKey) log.info(`fired ${[...thresholds, ...(forecastKey ? [forecastKey] : []), ...spikeKeys].join(", ")}`);
  const apps = await checkApps(deps.client, store, config, now, log);
  if (apps.fired.length > 0) log.info(`fired ${apps.fired.join(", ")}`);
  const delivery = await deliverAll(store, deps);
  if (delivery.failed > 0) log.warn(`${delivery.failed} notification(s) failed and will be retried on a later run`);
  return { ingest, forecast, spikes, fired, apps, delivery };
}

/** Reads the configured unit count: a constant, a JSON value over HTTP, or one row of a read-only query. */
export const defaultUnitResolver: UnitResolver = async (units: UnitCostConfig) => {
  const source = units.source;
  switch (source.kind) {
    case "count":
      return source.value;
    case "url": {
      const response = await fetch(source.url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`units.source.url answered ${response.status}`);
      let value: unknown = await response.json();
      for (const part of (source.jsonPointer ?? "").split("/").slice(1)) {
        value = (value as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
      }
      return typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : null;
    }
    case "sql": {
      const client = new Client({ connectionString: source.databaseUrl, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        // READ ONLY makes the server refuse any write the SELECT-only check let through.
        await client.query("BEGIN READ ONLY");
        const result = await client.query(source.query);
        await client.query("ROLLBACK");
        const first = result.rows[0] as Record<string, unknown> | undefined;
        const value = first ? Object.values(first)[0] : undefined;
        return value === undefined || value === null ? null : Number(value);
      } finally {
        await client.end();
      }
    }
  }
};

/** Runs one part of the upkeep; a failure is logged and returned, never thrown. */
async function safely<T>(what: string, deps: TrackerDeps, work: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await work();
  } catch (error) {
    deps.log.warn(`${what} could not run: ${(error as Error).message}`);
    return { error: (error as Error).message };
  }
}

/** The advisor, the calibration and the clean-up, each as enabled in the config. */
async function dailyUpkeep(deps: TrackerDeps, upkeep: DailyUpkeep): Promise<UpkeepResult> {
  const { config, now, db } = deps;
  const result: UpkeepResult = {};
  if (upkeep.advice && config.advice.enabled) {
    const { api, requestsSent } = upkeep.advice;
    result.advice = await safely("the savings advisor", deps, async () => {
      const advice = await advise({ api, requestsSent, catalog: upkeep.catalog, settings: config.advice, requestBudget: config.advice.requestBudget, store: new AdviceStore(db), now });
      deps.log.info(`advice: ${advice.suggestions.length} suggestion(s), $${advice.totalMonthlySavingsUsd.toFixed(2)}/month; ${advice.metrics.waiting} resource(s) wait for a later run's budget`);
      return advice;
    });
  }
  if (upkeep.calibration && config.calibration.enabled) {
    const { api } = upkeep.calibration;
    result.calibration = await safely("the catalog calibration", deps, async () => {
      const calibration = await runCalibration({ api, db, catalog: upkeep.catalog, recipients: config.recipients, now, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) });
      if (calibration.notified.length > 0) deps.log.info(`calibration: ${calibration.notified.join(", ")}`);
      return { notified: calibration.notified };
    });
  }
  if (upkeep.cleanup && config.cleanup.enabled) {
    const { read, write } = upkeep.cleanup;
    result.cleanup = await safely("the clean-up", deps, async () => {
      const report = await cleanup({ read, ...(config.cleanup.apply && write ? { write } : {}), store: new AdviceStore(db), settings: config.cleanup, now });
      await sendCleanupNotices(new CostStore(db), report, config, deps.transports, now);
      return report;
    });
  }
  return result;
}

/**
 * Reads the configured unit count once and keeps it with the time it was read, so the
 * dashboard divides each day's cost by that day's count and can tell a failed or stale count
 * from a real one. A source that fails, or answers something that is not a count (NaN, a
 * negative number), is kept as unknown (null) and logged, never thrown: it must not hold back
 * the day's report. Undefined when no units are configured.
 */
async function readUnitCount(store: CostStore, deps: TrackerDeps): Promise<number | null | undefined> {
  const units = deps.config.units;
  if (!units) return undefined;
  let count: number | null;
  try {
    count = await (deps.resolveUnits ?? defaultUnitResolver)(units);
    if (count !== null && !(Number.isFinite(count) && count >= 0)) {
      deps.log.warn(`unit count for "${units.unitName}" is not a count >= 0 (got ${count}); kept as unknown`);
      count = null;
    }
  } catch (error) {
    deps.log.warn(`unit count for "${units.unitName}" unavailable: ${(error as Error).message}`);
    count = null;
  }
  await store.recordUnitCount({ readAt: deps.now, unitName: units.unitName, units: count, sourceKind: units.source.kind });
  return count;
}

/** Runs one tracker task at `deps.now`. Throws (after logging nothing secret) when DigitalOcean or the database fails. */
export async function handle(task: TrackerTask, deps: TrackerDeps): Promise<TaskResult> {
  const store = new CostStore(deps.db);
  switch (task) {
    case "check":
      return { task, check: await check(store, deps) };
    case "daily":
    case "weekly": {
      const result = await check(store, deps);
      const upkeep = task === "daily" && deps.upkeep ? await dailyUpkeep(deps, deps.upkeep) : undefined;
      // Both reports' runs read the unit count, so every day has one (weekly runs alone on some schedules).
      const units = await readUnitCount(store, deps);
      const report = deps.config.reports[task];
      let reportRowsEnqueued = 0;
      if (!report.enabled) deps.log.info(`${task} report is disabled in the config`);
      else if (task === "daily") {
        const yesterday = isoDate(new Date(deps.now.getTime() - 86_400_000));
        reportRowsEnqueued = await enqueueDailyReport(store, deps.config, {
          now: deps.now,
          monthToDateUsd: result.ingest.monthToDateUsd,
          forecast: result.forecast,
          spikes: result.spikes.filter((spike) => spike.date === yesterday),
        });
      } else {
        reportRowsEnqueued = await enqueueWeeklyReport(store, deps.config, deps.now, async () => units ?? null, await new AdviceStore(deps.db).listSuggestions());
      }
      const delivery = await deliverAll(store, deps);
      return { task, check: result, reportRowsEnqueued, delivery, ...(upkeep ? { upkeep } : {}) };
    }
    case "history":
      return { task, history: await backfillHistory(deps.client, deps.db, deps.config.accountUrn, deps.log) };
  }
}
