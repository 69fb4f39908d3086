/**
 * The tracker's one entry point: `handle(task, deps)`. The Functions action, the local CLI
 * and the tests all call it with their own dependencies, clock and deadline, so what runs on
 * schedule in production is exactly what the month-replay test exercises.
 *
 * - `check` (hourly): ingest, thresholds, forecast, spikes, App Platform watches, then deliver
 *   the outbox; then, when `deps.upkeep.advice` is given and advice is enabled, a slice of the
 *   savings advisor within the run's request budget and deadline (the slices of 24 hourly runs
 *   read a 5,000-droplet account's metrics within a day; DigitalOcean allows 3 scheduled
 *   triggers while they are in preview, so there is no separate advice schedule).
 * - `daily`: `check`, then the day's report, enqueued and delivered first, so the report never
 *   waits on upkeep; then, when `deps.upkeep` is given and the config enables each part, the
 *   catalog calibration, the clean-up of expired resources and the savings advisor. Each part
 *   starts only before the deadline's margin, stops cleanly at it (keeping its progress in the
 *   store for the next run), and is logged and skipped on failure.
 * - `weekly`: `check`, then the week's report (deduplicated per ISO week).
 * - `daily` and `weekly` both read the unit count first (when `units` is configured) and keep it
 *   with the time it was read, so every day has one for the dashboard's cost per unit.
 * - `history`: back-fill daily history from invoices (and billing insights).
 */
import { Client } from "pg";
import { isoDate } from "../../../core/calendar";
import type { MonthEndForecast } from "../../../core/forecast";
import type { Spike } from "../../../core/spikes";
import type { UnitCostConfig } from "../../../core/unit-cost";
import { deliverAllPending, type DeliveryOptions, type DeliveryResult, type Transports } from "../notify/outbox";
import { AdviceStore } from "../store/advice-store";
import { CostStore } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";
import type { PriceCatalog } from "../../../core/pricing";
import { NO_DEADLINE, type RunDeadline } from "../../../core/deadline";
import { RequestNotSent, type RequestCount } from "../digitalocean/token-meter";
import { advise, type AdviceApi, type AdviseResult } from "./advise";
import { runCalibration, type CalibrationApi } from "./calibrate";
import { cleanup, type CleanupReader, type CleanupReport, type CleanupWriter } from "./cleanup";
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

/** What a task needs from the outside world; everything is injected, including the clock and the deadline. */
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
  /**
   * When the run must have stopped (OpenWhisk's `__OW_DEADLINE`, the CLI's `--deadline-seconds`):
   * every long step checks it and stops with its margin, keeping its progress. None when absent.
   */
  deadline?: RunDeadline;
  /**
   * The advisor's, calibration's and clean-up's clients: `check` uses `advice` for its slice,
   * `daily` every part the config enables. Without it neither task does any upkeep.
   */
  upkeep?: DailyUpkeep;
}

/** What the upkeep needs beyond the check's client; its settings come from the config. */
export interface DailyUpkeep {
  catalog: PriceCatalog;
  /** The advisor's client and its token's meter, which the check, calibration and clean-up reads share. */
  advice?: { api: AdviceApi; requests: RequestCount };
  calibration?: { api: CalibrationApi };
  /** `write` (the separate write-scoped client) is used only when `config.cleanup.apply` is on. */
  cleanup?: { read: CleanupReader; write?: CleanupWriter };
}

/**
 * One upkeep part's outcome: its result, `error` when it failed, or `stopped` when the run's
 * deadline or request budget ended it before it could start or finish (its saved progress is
 * kept; the next run continues).
 */
export type UpkeepOutcome<T> = T | { error: string } | { stopped: string };

/** What the upkeep did, part by part. */
export interface UpkeepResult {
  calibration?: UpkeepOutcome<{ notified: string[] }>;
  cleanup?: UpkeepOutcome<CleanupReport>;
  advice?: UpkeepOutcome<AdviseResult>;
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
  | { task: "check"; check: CheckResult; advice?: UpkeepOutcome<AdviseResult> }
  | { task: "daily" | "weekly"; check: CheckResult; reportRowsEnqueued: number; delivery: DeliveryResult; upkeep?: UpkeepResult }
  | { task: "history"; history: HistoryResult };

/**
 * Delivers due outbox rows, batch after batch, until the run's deadline margin is reached. The
 * alerts and the report are what the run is for, so a batch starts whenever any time is left
 * (not only when a whole batch's transport timeouts fit): an interrupted batch is re-sent on the
 * next run after its lease, never lost.
 */
function deliverAll(store: CostStore, deps: TrackerDeps): Promise<DeliveryResult> {
  return deliverAllPending(store, deps.transports, deps.now, deps.delivery, deps.deadline ?? NO_DEADLINE, 0);
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

/**
 * Runs one part of the upkeep unless the deadline's margin is already reached; a failure is
 * logged and returned, never thrown, and a request the run's meter refused (budget spent,
 * deadline near) ends the part as `stopped`, not failed.
 */
async function upkeepPart<T>(what: string, deps: TrackerDeps, work: () => Promise<T>): Promise<UpkeepOutcome<T>> {
  if ((deps.deadline ?? NO_DEADLINE).passed()) {
    const stopped = "not started: the run's deadline is near; the next run does it";
    deps.log.info(`${what}: ${stopped}`);
    return { stopped };
  }
  try {
    return await work();
  } catch (error) {
    if (error instanceof RequestNotSent) {
      deps.log.info(`${what} stopped: ${error.message}`);
      return { stopped: error.message };
    }
    deps.log.warn(`${what} could not run: ${(error as Error).message}`);
    return { error: (error as Error).message };
  }
}

/** The savings advisor within what is left of the run's budget and deadline; its progress is saved as it reads. */
function runAdvisor(deps: TrackerDeps, catalog: PriceCatalog, { api, requests }: NonNullable<DailyUpkeep["advice"]>): Promise<UpkeepOutcome<AdviseResult>> {
  const { config, now, db } = deps;
  return upkeepPart("the savings advisor", deps, async () => {
    const advice = await advise({ api, requests, catalog, settings: config.advice, store: new AdviceStore(db), now, ...(deps.deadline ? { deadline: deps.deadline } : {}) });
    const { analysed, waiting, stopped } = advice.metrics;
    const why = stopped === "deadline" ? " (stopped at the run's deadline)" : stopped === "another-run" ? " (another run is reading metrics)" : "";
    deps.log.info(`advice: ${advice.suggestions.length} suggestion(s), $${advice.totalMonthlySavingsUsd.toFixed(2)}/month; utilisation read for ${analysed} resource(s)${why}, ${waiting} wait for a later run`);
    return advice;
  });
}

/** The calibration, the clean-up and the advisor, in that order, each as enabled in the config and while the deadline allows. */
async function dailyUpkeep(deps: TrackerDeps, upkeep: DailyUpkeep): Promise<UpkeepResult> {
  const { config, now, db } = deps;
  const result: UpkeepResult = {};
  if (upkeep.calibration && config.calibration.enabled) {
    const { api } = upkeep.calibration;
    result.calibration = await upkeepPart("the catalog calibration", deps, async () => {
      const calibration = await runCalibration({ api, db, catalog: upkeep.catalog, recipients: config.recipients, now, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) });
      if (calibration.notified.length > 0) deps.log.info(`calibration: ${calibration.notified.join(", ")}`);
      return { notified: calibration.notified };
    });
  }
  if (upkeep.cleanup && config.cleanup.enabled) {
    const { read, write } = upkeep.cleanup;
    result.cleanup = await upkeepPart("the clean-up", deps, async () => {
      // Notices go through the outbox either way: real ones with apply, previews (which never count) without.
      const report = await cleanup({
        read,
        ...(config.cleanup.apply && write ? { write } : {}),
        store: new AdviceStore(db),
        settings: config.cleanup,
        audience: { recipients: config.recipients, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) },
        send: { outbox: new CostStore(db), transports: deps.transports, ...(deps.delivery ? { delivery: deps.delivery } : {}) },
        now,
        ...(deps.deadline ? { deadline: deps.deadline } : {}),
      });
      if (report.stoppedAtDeadline) deps.log.info(`clean-up: ${report.stoppedAtDeadline}`);
      return report;
    });
  }
  if (upkeep.advice && config.advice.enabled) result.advice = await runAdvisor(deps, upkeep.catalog, upkeep.advice);
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

/** Adds a later delivery's counts to an earlier one's. */
function addDelivery(first: DeliveryResult, second: DeliveryResult): DeliveryResult {
  return { delivered: first.delivered + second.delivered, failed: first.failed + second.failed, pending: second.pending };
}

/** Runs one tracker task at `deps.now`. Throws (after logging nothing secret) when DigitalOcean or the database fails. */
export async function handle(task: TrackerTask, deps: TrackerDeps): Promise<TaskResult> {
  const store = new CostStore(deps.db);
  switch (task) {
    case "check": {
      const result = await check(store, deps);
      const { upkeep } = deps;
      const advice = upkeep?.advice && deps.config.advice.enabled ? await runAdvisor(deps, upkeep.catalog, upkeep.advice) : undefined;
      return { task, check: result, ...(advice ? { advice } : {}) };
    }
    case "daily":
    case "weekly": {
      const result = await check(store, deps);
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
      // The report goes out before any upkeep, so a slow upkeep cut by the deadline never holds it back.
      let delivery = await deliverAll(store, deps);
      const upkeep = task === "daily" && deps.upkeep ? await dailyUpkeep(deps, deps.upkeep) : undefined;
      // What the upkeep queued (calibration notices) goes out now if time allows, else with the next check.
      if (upkeep && !(deps.deadline ?? NO_DEADLINE).passed()) delivery = addDelivery(delivery, await deliverAll(store, deps));
      return { task, check: result, reportRowsEnqueued, delivery, ...(upkeep ? { upkeep } : {}) };
    }
    case "history":
      return { task, history: await backfillHistory(deps.client, deps.db, deps.config.accountUrn, deps.log) };
  }
}
