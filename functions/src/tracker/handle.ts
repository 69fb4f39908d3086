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
 *
 * `handle` runs one team (a single-team deployment's implicit team unless `deps.team` names
 * another), into that team's rows and to that team's recipients. `runTracker` runs a whole
 * deployment: the organisation's insights when due, then each team with its own token (a team
 * without one from the insights alone), least recently checked first, while the deadline allows
 * (the rest wait for the next run, at the front of its queue), a team's failure logged and not
 * stopping the others; then the organisation's thresholds on the sum of the teams and, weekly,
 * the organisation's summary; last, while the deadline allows, each team's upkeep with its own
 * clients, in turns (see upkeepInTurn). A single-team deployment runs exactly as `handle` always did.
 */
import { Client } from "pg";
import { billingMonthOf, isoDate } from "../../../core/calendar";
import { forecastMonthEnd, monthEndFigures, type MonthEndFigures, type MonthEndForecast } from "../../../core/forecast";
import { fromCents, toCents } from "../../../core/money";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL, type TeamConfig } from "../../../core/tracker-settings";
import { INSIGHTS_ONLY_NOTE } from "../../../core/team-credentials";
import type { Spike } from "../../../core/spikes";
import type { UnitCostConfig } from "../../../core/unit-cost";
import { deliverAllPending, type DeliveryOptions, type DeliveryResult, type Transports } from "../notify/outbox";
import { AdviceStore } from "../store/advice-store";
import { CostStore } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";
import type { SpendSnapshot } from "../store/types";
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
import { readAccount, writeReading, type AccountReading, type IngestResult, type TrackerApi, type TrackerLog } from "./ingest";
import { ingestOrganization, type OrganizationApi, type OrganizationIngestResult } from "./organization";
import { enqueueDailyReport, enqueueOrganizationSummary, enqueueWeeklyReport, type UnitResolver } from "./reports";
import { teamScope, type EvaluationScope } from "./scope";

/** The tasks the scheduler and the CLI can run. */
export type TrackerTask = "check" | "daily" | "weekly" | "history";

/** Every task name, for argument parsing. */
export const TRACKER_TASKS: readonly TrackerTask[] = ["check", "daily", "weekly", "history"];

/** What a task needs from the outside world; everything is injected, including the clock and the deadline. */
export interface TrackerDeps {
  /**
   * The team's read client (its own token). Absent: the team has no token of its own and is
   * tracked from the organisation's insights only (no balance, inventory or app watches).
   */
  client?: TrackerApi & AppHealthApi;
  /** The team this run is for; default the config's first (a single-team config's implicit team). */
  team?: TeamConfig;
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

/** The advisor's outcome without its suggestions (they are in the store): counted instead. */
export type AdviceFigures = Omit<AdviseResult, "suggestions"> & { suggestionCount: number };

/**
 * What a run with teams keeps of one team's upkeep: its outcome part by part, the advisor's
 * suggestions counted rather than held (a run over 50 teams of 2,000 resources would otherwise
 * hold every team's suggestions to its end, megabytes a team).
 */
export interface TeamUpkeep {
  calibration?: UpkeepResult["calibration"];
  cleanup?: UpkeepResult["cleanup"];
  advice?: UpkeepOutcome<AdviceFigures>;
}

function teamUpkeepOf({ advice, ...rest }: UpkeepResult): TeamUpkeep {
  if (advice === undefined || "error" in advice || "stopped" in advice) return { ...rest, ...(advice ? { advice } : {}) };
  const { suggestions, ...figures } = advice;
  return { ...rest, advice: { ...figures, suggestionCount: suggestions.length } };
}

/** The outcome of `check` (and of the check inside `daily`/`weekly`). */
export interface CheckResult {
  /** What the team's own balance and invoice preview gave (`snapshot` null for a team read from insights only). */
  ingest: IngestResult;
  /**
   * The month to date the alerts were evaluated on: the fresher of the team's balance and the
   * organisation's insights for it, by the data's own timestamps (`ingest.monthToDateUsd` when
   * there is no organisation).
   */
  monthToDate: { usd: number; source: SpendSnapshot["source"] | "none" };
  /** The month-end projection (without its per-resource breakdown, which only the forecast alert reads). */
  forecast: MonthEndFigures;
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
function deliverAll(store: CostStore, deps: Pick<TrackerDeps, "transports" | "now" | "delivery" | "deadline">): Promise<DeliveryResult> {
  return deliverAllPending(store, deps.transports, deps.now, deps.delivery, deps.deadline ?? NO_DEADLINE, 0);
}

/**
 * A team's month to date: its balance just read, or the organisation's latest insights reading
 * of it this month, whichever is fresher by the data's own timestamps (CostStore.currentSpend,
 * the figure the organisation's total adds up too).
 */
async function monthToDateOf(store: CostStore, deps: TrackerDeps, ingest: IngestResult): Promise<CheckResult["monthToDate"]> {
  // Without an organisation there are no insights readings: the balance is the figure, as always.
  if (deps.config.organizationUrn === undefined) return { usd: ingest.monthToDateUsd, source: ingest.snapshot ? "balance" : "none" };
  const current = await store.currentSpend(billingMonthOf(deps.now));
  return current === null ? { usd: 0, source: "none" } : { usd: current.monthToDateUsd, source: current.source };
}

/**
 * The month-end projection of a team: priced from its resources and invoice lines when it was
 * read with its own token, else (insights only) the month's daily totals carried forward, as
 * the dashboard projects.
 */
async function projectTeam(store: CostStore, reading: AccountReading | undefined, monthToDateUsd: number, now: Date): Promise<MonthEndForecast> {
  if (reading) return projectMonthEnd(reading, monthToDateUsd, now);
  const month = billingMonthOf(now);
  const days = await store.listBillingHistory(`${month}-01`, isoDate(now));
  return forecastMonthEnd({ billingMonth: month, now, monthToDateUsd, fixedResources: [], usageDaily: days.map((day) => ({ date: day.date, usd: day.totalCostUsd })) });
}

async function check(store: CostStore, deps: TrackerDeps, scope: EvaluationScope): Promise<CheckResult> {
  const { now, log } = deps;
  const team = store.team;
  let reading: AccountReading | undefined;
  let ingest: IngestResult;
  if (deps.client) {
    reading = await readAccount(deps.client, log);
    ingest = await writeReading(deps.db, reading, now, log, team);
    log.info(`month to date ${ingest.monthToDateUsd.toFixed(2)} USD; history written for ${ingest.daysWritten.join(", ") || "no day"}`);
  } else {
    ingest = { billingMonth: billingMonthOf(now), monthToDateUsd: 0, snapshot: null, daysWritten: [], itemsUsed: false };
  }
  const monthToDate = await monthToDateOf(store, deps, ingest);
  if (!deps.client) log.info(`month to date ${monthToDate.usd.toFixed(2)} USD from the organisation's insights (no token of its own)`);
  else if (monthToDate.source === "insights") log.info(`the organisation's insights (${monthToDate.usd.toFixed(2)} USD) are fresher than the balance: used for the month to date`);
  const mtd = monthToDate.usd;
  const thresholds = await fireThresholds(store, scope, mtd, now);
  const forecast = await projectTeam(store, reading, mtd, now);
  const forecastKey = await fireForecast(store, scope, forecast, mtd, now);
  const spikes = await findSpikes(store, scope, now);
  const spikeKeys = await fireSpikes(store, scope, spikes, now);
  const fired: FiredAlerts = { thresholds, forecast: forecastKey, spikes: spikeKeys };
  if (thresholds.length + spikeKeys.length > 0 || forecastKey) log.info(`fired ${[...thresholds, ...(forecastKey ? [forecastKey] : []), ...spikeKeys].join(", ")}`);
  let apps: AppHealthResult = { fired: [], problems: [] };
  if (deps.client) apps = await checkApps(deps.client, store, scope, now, log);
  else if (scope.apps.length > 0) {
    const problem = `${scope.apps.length} app watch(es) not checked: app metrics need the team's own read token`;
    log.warn(problem);
    apps = { fired: [], problems: [problem] };
  }
  if (apps.fired.length > 0) log.info(`fired ${apps.fired.join(", ")}`);
  const delivery = await deliverAll(store, deps);
  if (delivery.failed > 0) log.warn(`${delivery.failed} notification(s) failed and will be retried on a later run`);
  return { ingest, monthToDate, forecast: monthEndFigures(forecast), spikes, fired, apps, delivery };
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

/** The savings advisor on one team's resources, within what is left of the run's budget and deadline; its progress is saved as it reads. */
function runAdvisor(deps: TrackerDeps, team: TeamConfig, catalog: PriceCatalog, { api, requests }: NonNullable<DailyUpkeep["advice"]>): Promise<UpkeepOutcome<AdviseResult>> {
  const { config, now, db } = deps;
  return upkeepPart("the savings advisor", deps, async () => {
    const advice = await advise({ api, requests, catalog, settings: config.advice, store: new AdviceStore(db, team.name), now, ...(deps.deadline ? { deadline: deps.deadline } : {}) });
    const { analysed, waiting, stopped } = advice.metrics;
    const why = stopped === "deadline" ? " (stopped at the run's deadline)" : stopped === "another-run" ? " (another run is reading metrics)" : "";
    deps.log.info(`advice: ${advice.suggestions.length} suggestion(s), $${advice.totalMonthlySavingsUsd.toFixed(2)}/month; utilisation read for ${analysed} resource(s)${why}, ${waiting} wait for a later run`);
    return advice;
  });
}

/**
 * One team's calibration, clean-up and advisor, in that order, each as enabled in the config and
 * while the deadline allows: into the team's rows, its notices to the team's recipients, naming
 * the team (a single-team deployment's name no one).
 */
async function dailyUpkeep(deps: TrackerDeps, team: TeamConfig, scope: EvaluationScope, upkeep: DailyUpkeep): Promise<UpkeepResult> {
  const { config, now, db } = deps;
  const result: UpkeepResult = {};
  const subject = scope.subject ? { subject: scope.subject } : {};
  const dashboardUrl = config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {};
  if (upkeep.calibration && config.calibration.enabled) {
    const { api } = upkeep.calibration;
    result.calibration = await upkeepPart("the catalog calibration", deps, async () => {
      const calibration = await runCalibration({ api, db, catalog: upkeep.catalog, recipients: team.recipients, team: { name: team.name, ...subject }, now, ...dashboardUrl });
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
        store: new AdviceStore(db, team.name),
        settings: config.cleanup,
        audience: { recipients: team.recipients, ...dashboardUrl, ...subject },
        send: { outbox: new CostStore(db, team.name), transports: deps.transports, ...(deps.delivery ? { delivery: deps.delivery } : {}) },
        now,
        ...(deps.deadline ? { deadline: deps.deadline } : {}),
      });
      if (report.stoppedAtDeadline) deps.log.info(`clean-up: ${report.stoppedAtDeadline}`);
      return report;
    });
  }
  if (upkeep.advice && config.advice.enabled) result.advice = await runAdvisor(deps, team, upkeep.catalog, upkeep.advice);
  return result;
}

/**
 * The upkeep `task` gives one team, with that team's clients (`deps.upkeep`): the advisor's
 * slice on `check`; calibration, clean-up and the advisor on `daily`; none on `weekly` and
 * `history`, nor without clients (undefined then).
 */
async function teamUpkeep(task: TrackerTask, deps: TrackerDeps, team: TeamConfig, scope: EvaluationScope): Promise<UpkeepResult | undefined> {
  const { upkeep, config } = deps;
  if (!upkeep) return undefined;
  if (task === "check") return upkeep.advice && config.advice.enabled ? { advice: await runAdvisor(deps, team, upkeep.catalog, upkeep.advice) } : undefined;
  return task === "daily" ? dailyUpkeep(deps, team, scope, upkeep) : undefined;
}

/**
 * Reads the configured unit count once and keeps it with the time it was read, so the
 * dashboard divides each day's cost by that day's count and can tell a failed or stale count
 * from a real one. A source that fails, or answers something that is not a count (NaN, a
 * negative number), is kept as unknown (null) and logged, never thrown: it must not hold back
 * the day's report. Undefined when no units are configured.
 */
async function readUnitCount(store: CostStore, units: UnitCostConfig | undefined, deps: Pick<TrackerDeps, "resolveUnits" | "log" | "now">): Promise<number | null | undefined> {
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

/**
 * Runs one tracker task at `deps.now` for one team (`deps.team`, default the config's first),
 * into that team's rows. Throws (after logging nothing secret) when DigitalOcean or the database fails.
 */
export async function handle(task: TrackerTask, deps: TrackerDeps): Promise<TaskResult> {
  const team = deps.team ?? deps.config.teams[0]!;
  const store = new CostStore(deps.db, team.name);
  const scope = teamScope(deps.config, team);
  switch (task) {
    case "check": {
      const result = await check(store, deps, scope);
      const advice = (await teamUpkeep(task, deps, team, scope))?.advice;
      return { task, check: result, ...(advice ? { advice } : {}) };
    }
    case "daily":
    case "weekly": {
      const result = await check(store, deps, scope);
      // Both reports' runs read the unit count, so every day has one (weekly runs alone on some schedules).
      const units = await readUnitCount(store, scope.units, deps);
      const report = scope.reports[task];
      let reportRowsEnqueued = 0;
      if (!report.enabled) deps.log.info(`${task} report is disabled in the config`);
      else if (task === "daily") {
        const yesterday = isoDate(new Date(deps.now.getTime() - 86_400_000));
        reportRowsEnqueued = await enqueueDailyReport(store, scope, {
          now: deps.now,
          monthToDateUsd: result.monthToDate.usd,
          forecast: result.forecast,
          spikes: result.spikes.filter((spike) => spike.date === yesterday),
        });
      } else {
        const suggestions = await new AdviceStore(deps.db, team.name).listSuggestions();
        reportRowsEnqueued = await enqueueWeeklyReport(store, scope, deps.now, async () => units ?? null, suggestions, { insightsOnly: deps.client === undefined });
      }
      // The report goes out before any upkeep, so a slow upkeep cut by the deadline never holds it back.
      let delivery = await deliverAll(store, deps);
      const upkeep = await teamUpkeep(task, deps, team, scope);
      // What the upkeep queued (calibration notices) goes out now if time allows, else with the next check.
      if (upkeep && !(deps.deadline ?? NO_DEADLINE).passed()) delivery = addDelivery(delivery, await deliverAll(store, deps));
      return { task, check: result, reportRowsEnqueued, delivery, ...(upkeep ? { upkeep } : {}) };
    }
    case "history":
      if (!deps.client) throw new Error(`history of team ${team.name} needs its own read token: its invoices are read with it`);
      return { task, history: await backfillHistory(deps.client, deps.db, team.urn ?? deps.config.accountUrn, deps.log, team.name) };
  }
}

/** What a whole deployment's run needs: {@link TrackerDeps} with a client (and upkeep clients) per team instead of one. */
export interface RunDeps extends Omit<TrackerDeps, "client" | "team" | "upkeep"> {
  /** Each team's read client by team name (its own token); a team without one is read from the organisation's insights only. */
  teamClients: ReadonlyMap<string, TrackerApi & AppHealthApi>;
  /**
   * Each team's upkeep clients by team name (its own tokens, its own meters): `check` runs the
   * advisor's slice, `daily` calibration, clean-up and the advisor. A team without an entry gets
   * none (a team without a token of its own is not analysed).
   */
  upkeep?: ReadonlyMap<string, DailyUpkeep>;
  /** The organisation token's client: with `organizationUrn`, it reads the organisation's insights and teams. */
  organizationClient?: OrganizationApi;
}

/** One team's part of a run. */
export type TeamOutcome =
  | {
      team: string;
      status: "done";
      /** The team's check or report (its upkeep is {@link upkeep}). */
      result: TaskResult;
      /** The team's upkeep, when it had its turn this run. */
      upkeep?: TeamUpkeep;
      /** Why the team had no upkeep this run: not analysed (no token of its own), or waiting for a later run's turn. */
      upkeepNote?: string;
    }
  /** It failed (its token refused, DigitalOcean down): logged, the other teams ran; nothing half-written was kept. */
  | { team: string; status: "failed"; error: string }
  /** Not reached (or cut short) before the run's deadline: first in the next run's queue. */
  | { team: string; status: "waiting"; why: string };

/** What the organisation's part of a run did (deployments with teams only). */
export interface OrganizationOutcome {
  /** The insights step: read, not due, or failed (the teams still ran, on their stored figures). */
  insights?: OrganizationIngestResult | { error: string };
  /** The organisation's month to date: the sum of every team's figure (and spend of teams not in the config), to the cent. */
  monthToDateUsd: number;
  /** The organisation's threshold events this run fired. */
  fired: string[];
  /** Rows the organisation's weekly summary enqueued (weekly task only). */
  summaryRowsEnqueued: number;
}

/** What {@link runTracker} returns. */
export interface RunResult {
  task: TrackerTask;
  /** Every team, in the order the run took them. */
  teams: TeamOutcome[];
  organization?: OrganizationOutcome;
  /** The last delivery of the run (after the organisation's alerts and summary). */
  delivery: DeliveryResult;
}

/** `log` with every line prefixed by the team, so a multi-team run's lines say whose they are. */
function teamLog(log: TrackerLog, team: string): TrackerLog {
  return { info: (line) => log.info(`team ${team}: ${line}`), warn: (line) => log.warn(`team ${team}: ${line}`) };
}

/** True for a config without `teams`: one implicit team, run exactly as before teams existed. */
function singleTeam(deps: Pick<RunDeps, "config">): boolean {
  return deps.config.teams.length === 1 && deps.config.teams[0]!.implicit;
}

/**
 * The teams' upkeep, after every team's check: one team after another, those whose upkeep waited
 * longest first, each with its own clients (its tokens, budget and pacing), while the run's
 * deadline allows. A team that starts its turn goes to the back of the queue even when the
 * deadline or its token's budget stops it part-way (each part keeps its progress for the next
 * turn): a large team's advisor reads a slice each turn instead of holding every run. A team
 * without a token of its own is not analysed; a team whose check failed or waited gets none.
 */
async function upkeepInTurn(task: "check" | "daily", deps: RunDeps, teams: TeamOutcome[], organizationStore: CostStore): Promise<void> {
  const { upkeep, teamClients, organizationClient: _organization, ...shared } = deps;
  const deadline = deps.deadline ?? NO_DEADLINE;
  const checked = new Map(teams.flatMap((outcome) => (outcome.status === "done" ? [[outcome.team, outcome] as const] : [])));
  const byName = new Map(deps.config.teams.map((team) => [team.name, team]));
  for (const name of await organizationStore.teamsByLastTurn("upkeep", [...checked.keys()])) {
    const outcome = checked.get(name)!;
    const client = teamClients.get(name);
    const clients = upkeep?.get(name);
    if (!client) {
      outcome.upkeepNote = `not analysed: ${INSIGHTS_ONLY_NOTE}`;
      continue;
    }
    if (!clients) continue;
    if (deadline.passed()) {
      outcome.upkeepNote = "its upkeep waits for a later run: the run's deadline is near";
      continue;
    }
    const team = byName.get(name)!;
    await organizationStore.forTeam(name).recordTeamTurn("upkeep", deps.now);
    const teamDeps: TrackerDeps = { ...shared, client, team, upkeep: clients, log: teamLog(deps.log, name) };
    const result = await teamUpkeep(task, teamDeps, team, teamScope(deps.config, team));
    if (!result) continue;
    outcome.upkeep = teamUpkeepOf(result);
    if (outcome.result.task === "daily" && !deadline.passed()) {
      // What the upkeep queued (calibration notices) goes out now if time allows, else with the next check.
      outcome.result = { ...outcome.result, delivery: addDelivery(outcome.result.delivery, await deliverAll(new CostStore(deps.db, name), teamDeps)) };
    }
  }
}

/**
 * Runs one task for a whole deployment (see the module comment). A single-team deployment is
 * `handle` with its one client, errors thrown as always; with teams, each team's failure is
 * logged (never with a token: client errors are scrubbed) and reported in its outcome.
 */
export async function runTracker(task: TrackerTask, deps: RunDeps): Promise<RunResult> {
  const { config, log, now } = deps;
  const { teamClients, organizationClient, upkeep, ...shared } = deps;
  const deadline = deps.deadline ?? NO_DEADLINE;
  if (singleTeam(deps)) {
    const team = config.teams[0]!;
    const client = teamClients.get(team.name);
    if (!client) throw new Error(`team ${team.name} has no read client`);
    const clients = upkeep?.get(team.name);
    const result = await handle(task, { ...shared, ...(clients ? { upkeep: clients } : {}), client, team });
    const delivery = result.task === "history" ? { delivered: 0, failed: 0, pending: 0 } : result.task === "check" ? result.check.delivery : result.delivery;
    return { task, teams: [{ team: team.name, status: "done", result }], delivery };
  }
  const organizationStore = new CostStore(deps.db, ORGANIZATION_LABEL);
  const organization: OrganizationOutcome = { monthToDateUsd: 0, fired: [], summaryRowsEnqueued: 0 };
  const insightsOnly = new Set(config.teams.filter((team) => !teamClients.has(team.name)).map((team) => team.name));
  if (task !== "history" && config.organizationUrn !== undefined && organizationClient) {
    try {
      organization.insights = await ingestOrganization(organizationClient, deps.db, config.organizationUrn, config.teams, insightsOnly, now, log);
      if (!organization.insights.read) log.info(`organisation insights not read: ${organization.insights.why}`);
    } catch (error) {
      const message = (error as Error).message;
      organization.insights = { error: message };
      log.warn(`organisation insights could not be read (the teams run on their stored figures): ${message}`);
    }
  }
  const teams: TeamOutcome[] = [];
  const byName = new Map(config.teams.map((team) => [team.name, team]));
  // Every team's check (and report) first, each without its upkeep: alerts are what a run is for.
  for (const name of await organizationStore.teamsByLastTurn("check", config.teams.map((team) => team.name))) {
    const team = byName.get(name)!;
    const client = teamClients.get(name);
    if (task === "history" && !client) {
      teams.push({ team: name, status: "waiting", why: "no read token of its own: its history comes from the organisation's insights" });
      continue;
    }
    if (deadline.passed()) {
      teams.push({ team: name, status: "waiting", why: "the run's deadline is near; the next run checks it first" });
      continue;
    }
    try {
      const result = await handle(task, { ...shared, ...(client ? { client } : {}), team, log: teamLog(log, name) });
      if (task !== "history") await organizationStore.forTeam(name).recordTeamTurn("check", now);
      teams.push({ team: name, status: "done", result });
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof RequestNotSent) {
        teams.push({ team: name, status: "waiting", why: message });
        log.info(`team ${name}: stopped, ${message}`);
      } else {
        teams.push({ team: name, status: "failed", error: message });
        log.warn(`team ${name}: the run failed, the other teams go on: ${message}`);
      }
    }
  }
  const waiting = teams.filter((outcome) => outcome.status === "waiting").map((outcome) => outcome.team);
  if (waiting.length > 0 && task !== "history") log.info(`${waiting.length} team(s) wait for the next run: ${waiting.join(", ")}`);
  if (task !== "history") {
    // The organisation's total is its teams' own figures (fresher of balance and insights), summed in cents.
    const spend = await organizationStore.currentSpendByTeam(billingMonthOf(now), [...config.teams.map((team) => team.name), UNASSIGNED_LABEL]);
    organization.monthToDateUsd = fromCents([...spend.values()].reduce((sum, snapshot) => sum + toCents(snapshot.monthToDateUsd), 0));
    if (config.organization && config.organization.thresholds.length > 0) {
      organization.fired = await fireThresholds(
        organizationStore,
        { subject: { organization: true }, thresholds: config.organization.thresholds, budgetMonthlyUsd: config.organization.budgetMonthlyUsd, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) },
        organization.monthToDateUsd,
        now,
      );
      if (organization.fired.length > 0) log.info(`organisation: fired ${organization.fired.join(", ")}`);
    }
    if (task === "daily" || task === "weekly") {
      // Units are the business's (active restaurants, orders), so they are read once, for the organisation.
      const units = await readUnitCount(organizationStore, config.units, deps);
      if (task === "weekly") organization.summaryRowsEnqueued = await enqueueOrganizationSummary(organizationStore, config, now, async () => units ?? null);
    }
  }
  const delivery = await deliverAll(organizationStore, deps);
  // The upkeep last: every alert and report of the run is out before it spends what time is left.
  if (task === "check" || task === "daily") await upkeepInTurn(task, deps, teams, organizationStore);
  return { task, teams, ...(task === "history" ? {} : { organization }), delivery };
}
