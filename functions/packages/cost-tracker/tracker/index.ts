/**
 * The scheduled DigitalOcean Functions action `cost-tracker/tracker`. It only adapts: the
 * action's bound parameters become a typed, validated settings object; the trigger's body
 * picks the task; `handle` does the work; the answer is a small summary without secrets.
 *
 * Postgres only: the action imports the pg client and `CostStore` directly instead of
 * `openStore`, whose embedded-PostgreSQL fallback spawns server binaries an action neither
 * has nor may run (functions/build.ts refuses a bundle that contains it).
 */
import { DigitalOceanApiError, DigitalOceanClient } from "../../../src/digitalocean/client";
import { createSmtpTransport } from "../../../src/notify/email";
import type { Transports } from "../../../src/notify/outbox";
import { createSlackTransport } from "../../../src/notify/slack";
import { createWebhookTransport } from "../../../src/notify/webhook";
import { CostStore } from "../../../src/store/cost-store";
import { createPostgresClient } from "../../../src/store/pg-client";
import type { SqlClient } from "../../../src/store/sql-client";
import { parseTrackerConfig, TrackerConfigError, type TrackerConfig } from "../../../src/tracker/config";
import { emailsAnyone } from "../../../../core/tracker-settings";
import { parseSecretMap, resolveTeamCredentials, singleTeamCredentials, type CredentialPlaces, type TeamCredential, type TeamCredentials } from "../../../../core/team-credentials";
import { postgresUrlProblem, smtpUrlProblem } from "../../../../core/validators";
import { runTracker, type DailyUpkeep, type RunResult, type TaskResult, type UpkeepOutcome } from "../../../src/tracker/handle";
import { RunMeters } from "../../../src/digitalocean/token-meter";
import { DEFAULT_REQUESTS_PER_MINUTE } from "../../../../core/advice/request-budget";
import { openWhiskDeadline, runDeadline } from "../../../../core/deadline";
import { defaultCatalog } from "../../../../core/pricing";
import type { TrackerLog } from "../../../src/tracker/ingest";
import type { AdviseResult } from "../../../src/tracker/advise";

/** The tasks a trigger may ask for; `history` (a one-off back-fill) stays with the CLI. */
export type ScheduledTask = "check" | "daily" | "weekly";

const SCHEDULED_TASKS: readonly ScheduledTask[] = ["check", "daily", "weekly"];

/** The public API DigitalOcean documents; DIGITALOCEAN_API_URL overrides it (tests, proxies). */
const DIGITALOCEAN_API_URL = "https://api.digitalocean.com";

/**
 * What the runtime passes to `main`: the action's final parameters (set by the deployment)
 * merged with the invoking trigger's `body`. Values are `unknown` because nothing guarantees
 * their shape until {@link readSettings} has checked them.
 */
export interface TrackerActionParams {
  DIGITALOCEAN_TOKEN?: unknown;
  DATABASE_URL?: unknown;
  /** Needed only when some recipient is an email address. */
  SMTP_URL?: unknown;
  /** The tracker's settings (core/tracker-settings.ts), as a JSON string (how bound parameters arrive) or an object. */
  TRACKER_CONFIG?: unknown;
  DIGITALOCEAN_API_URL?: unknown;
  /** Only when the config's clean-up applies: a write-scoped token, used for nothing else. */
  DIGITALOCEAN_CLEANUP_TOKEN?: unknown;
  /** With `organizationUrn`: the token that reads organisation insights and lists teams. */
  DIGITALOCEAN_ORGANIZATION_TOKEN?: unknown;
  /** With `teams`: `{team name: read token}`, as JSON text (how bound parameters arrive) or an object. */
  DIGITALOCEAN_TEAM_TOKENS?: unknown;
  /** With `teams` and clean-up applying: `{team name: write-scoped token}`, as JSON text or an object. */
  DIGITALOCEAN_TEAM_CLEANUP_TOKENS?: unknown;
  /**
   * The task, from the scheduled trigger's body. DigitalOcean's spec gives that body one field,
   * `name` (specification/resources/functions/models/scheduled_details.yml), so the task travels
   * there; `check` when absent.
   */
  name?: unknown;
  [other: string]: unknown;
}

/** How an upkeep part ended: `stopped` by the run's deadline or request budget (its progress kept), or `failed`. */
export type UpkeepStatus = "done" | "stopped" | "failed";

/** How each upkeep part a run ran ended. */
export type UpkeepStatuses = { calibration?: UpkeepStatus; cleanup?: UpkeepStatus; advice?: UpkeepStatus };

/** A finished run: what fired and what was sent. No URL, address or token appears here. */
export interface TrackerActionSummary {
  task: ScheduledTask;
  monthToDateUsd: number;
  /** Alert event keys fired by this run, e.g. `threshold:mtd-50:2026-03`. */
  fired: string[];
  delivered: number;
  failed: number;
  /** Requests this run sent with the read-only token, retries included. */
  requests: number;
  /** The upkeep parts this run ran (`check`: the advisor's slice; `daily`: calibration, clean-up, advisor). */
  upkeep?: UpkeepStatuses;
  /**
   * With `teams`: each team's part, in the order the run took them. Then `monthToDateUsd` is the
   * organisation's (the sum of the teams), `fired` the organisation's own events and `requests`
   * every token's together.
   */
  teams?: TeamRunSummary[];
}

/** One team's part of a run, in the action's summary. */
export interface TeamRunSummary {
  team: string;
  /** `waiting`: not reached before the deadline, first in the next run's queue; `failed`: logged, the others ran. */
  status: "done" | "failed" | "waiting";
  monthToDateUsd?: number;
  /** Where the month to date came from: the team's balance, or the organisation's insights (fresher, or no token of its own). */
  source?: "balance" | "insights" | "none";
  fired?: string[];
  /** Requests sent with the team's own token (absent for a team read from insights only). */
  requests?: number;
  /** Why it failed or waits; never a token. */
  why?: string;
  /** The team's upkeep parts this run ran, with its own tokens (`check`: the advisor's slice; `daily`: calibration, clean-up, advisor). */
  upkeep?: UpkeepStatuses;
  /** Why the team had no upkeep this run: "not analysed: …" (no token of its own), or its turn comes in a later run. */
  upkeepNote?: string;
}

/**
 * A run that did not happen. `error` makes OpenWhisk record the activation as failed (so it
 * shows in `doctl serverless activations list`); `statusCode` says whose fault it was: 400 for
 * the deployment's parameters or the trigger body, 502 for DigitalOcean, 500 for the rest.
 */
export interface TrackerActionFailure {
  statusCode: 400 | 500 | 502;
  error: string;
}

/** The action's settings, validated. Held in memory only; never logged or returned. */
export interface ActionSettings {
  databaseUrl: string;
  smtpUrl: string | undefined;
  apiUrl: string;
  config: TrackerConfig;
  /** Every token, per team of `config.teams` (a single-team config: DIGITALOCEAN_TOKEN and DIGITALOCEAN_CLEANUP_TOKEN). */
  credentials: TeamCredentials;
}

/** A problem with the deployment's parameters or the trigger body; the message names the parameter, never its value. */
export class ParameterError extends Error {}

type ParameterName = keyof TrackerActionParams & string;

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

function optionalText(params: TrackerActionParams, name: ParameterName, problems: string[]): string | undefined {
  const value = params[name];
  if (isUnset(value)) return undefined;
  if (typeof value !== "string") {
    problems.push(`${name} must be a string (got ${Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`})`);
    return undefined;
  }
  return value.trim();
}

function requiredText(params: TrackerActionParams, name: ParameterName, problems: string[], hint: string): string | undefined {
  if (isUnset(params[name])) {
    problems.push(`${name} is not set: ${hint}`);
    return undefined;
  }
  return optionalText(params, name, problems);
}

function urlWithScheme(value: string | undefined, name: string, schemes: readonly string[], problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    // The value may carry a password: say what is wrong, not what it is.
    problems.push(`${name} is not a URL (expected ${schemes.map((scheme) => `${scheme}//…`).join(" or ")})`);
    return undefined;
  }
  if (!schemes.includes(protocol)) {
    problems.push(`${name} must start with ${schemes.map((scheme) => `${scheme}//`).join(" or ")} (got ${protocol}//)`);
    return undefined;
  }
  return value;
}

function trackerConfigOf(params: TrackerActionParams, problems: string[]): TrackerConfig | undefined {
  let json: unknown = params.TRACKER_CONFIG;
  if (isUnset(json)) {
    problems.push("TRACKER_CONFIG is not set: bind the tracker's JSON config (see examples/tracker-config.json) as a parameter");
    return undefined;
  }
  if (typeof json === "string") {
    try {
      json = JSON.parse(json);
    } catch {
      // JSON.parse quotes the text around the error, which may be a Slack or webhook URL.
      problems.push("TRACKER_CONFIG is not valid JSON");
      return undefined;
    }
  }
  try {
    return parseTrackerConfig(json);
  } catch (error) {
    if (!(error instanceof TrackerConfigError)) throw error;
    problems.push(...error.problems.map((problem) => `TRACKER_CONFIG: ${problem}`));
    return undefined;
  }
}

/** A connection URL checked by its rule in core/validators; the reason never includes the value. */
function checkedUrl(value: string | undefined, name: string, problemOf: (value: unknown) => string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  const problem = problemOf(value);
  if (problem) {
    problems.push(`${name} ${problem}`);
    return undefined;
  }
  return value;
}

/** The action's parameters as the per-team rules name them (core/team-credentials). */
const ACTION_CREDENTIAL_PLACES: CredentialPlaces = {
  organizationToken: "DIGITALOCEAN_ORGANIZATION_TOKEN",
  readTokens: "DIGITALOCEAN_TEAM_TOKENS",
  readToken: (team) => `DIGITALOCEAN_TEAM_TOKENS.${team}`,
  cleanupTokens: "DIGITALOCEAN_TEAM_CLEANUP_TOKENS",
  cleanupToken: (team) => `DIGITALOCEAN_TEAM_CLEANUP_TOKENS.${team}`,
  team: (index) => `TRACKER_CONFIG teams[${index}]`,
  cleanupApply: "TRACKER_CONFIG cleanup is enabled and applies",
  organizationUrn: "TRACKER_CONFIG organizationUrn",
};

const READ_TOKEN_HINT = "bind a read-scoped DigitalOcean API token (billing:read plus the resource read scopes)";

/**
 * The tokens: a single-team config's DIGITALOCEAN_TOKEN (and DIGITALOCEAN_CLEANUP_TOKEN when
 * clean-up applies), or with `teams` the organisation token and the per-team maps, checked by
 * the rules the stack and the CLI share.
 */
function credentialsOf(params: TrackerActionParams, config: TrackerConfig | undefined, problems: string[]): TeamCredentials | undefined {
  const cleanupApplies = config !== undefined && config.cleanup.enabled && config.cleanup.apply;
  const teamParameters = ["DIGITALOCEAN_ORGANIZATION_TOKEN", "DIGITALOCEAN_TEAM_TOKENS", "DIGITALOCEAN_TEAM_CLEANUP_TOKENS"] as const;
  // Unknown settings: ask for the single-team token unless the deployment is plainly a multi-team one.
  if (config === undefined) {
    if (teamParameters.every((name) => isUnset(params[name]))) requiredText(params, "DIGITALOCEAN_TOKEN", problems, READ_TOKEN_HINT);
    return undefined;
  }
  if (config.teams[0]!.implicit) {
    const token = requiredText(params, "DIGITALOCEAN_TOKEN", problems, READ_TOKEN_HINT);
    const cleanupToken = optionalText(params, "DIGITALOCEAN_CLEANUP_TOKEN", problems);
    if (cleanupApplies && cleanupToken === undefined) {
      problems.push("DIGITALOCEAN_CLEANUP_TOKEN is not set: cleanup.apply is on, so bind a write-scoped token (or turn apply off for a dry run)");
    }
    return token === undefined ? undefined : singleTeamCredentials(config, token, cleanupToken);
  }
  const before = problems.length;
  const organizationToken = optionalText(params, "DIGITALOCEAN_ORGANIZATION_TOKEN", problems);
  const readTokens = parseSecretMap(params.DIGITALOCEAN_TEAM_TOKENS, "DIGITALOCEAN_TEAM_TOKENS", problems);
  const cleanupTokens = cleanupApplies ? parseSecretMap(params.DIGITALOCEAN_TEAM_CLEANUP_TOKENS, "DIGITALOCEAN_TEAM_CLEANUP_TOKENS", problems) : new Map<string, string>();
  // A malformed parameter is its own problem: checking the teams against it would only repeat it.
  if (problems.length > before || !readTokens || !cleanupTokens) return undefined;
  const resolved = resolveTeamCredentials(config, { ...(organizationToken === undefined ? {} : { organizationToken }), readTokens, cleanupTokens }, ACTION_CREDENTIAL_PLACES, cleanupApplies);
  if (resolved.ok) return resolved.credentials;
  problems.push(...resolved.problems);
  return undefined;
}

/**
 * Validates every parameter and reports all problems at once, so one redeploy fixes them all;
 * each problem names its parameter, never its value. Exported for tests.
 */
export function readSettings(params: TrackerActionParams): ActionSettings {
  const problems: string[] = [];
  const databaseUrl = checkedUrl(
    requiredText(params, "DATABASE_URL", problems, "bind the Postgres connection string (postgres://user:pass@host:port/db?sslmode=require)"),
    "DATABASE_URL",
    postgresUrlProblem,
    problems,
  );
  const smtpUrl = checkedUrl(optionalText(params, "SMTP_URL", problems), "SMTP_URL", smtpUrlProblem, problems);
  const apiUrl = urlWithScheme(optionalText(params, "DIGITALOCEAN_API_URL", problems), "DIGITALOCEAN_API_URL", ["https:", "http:"], problems) ?? DIGITALOCEAN_API_URL;
  const config = trackerConfigOf(params, problems);
  const credentials = credentialsOf(params, config, problems);
  // A stack without email recipients deploys no SMTP secret; one with them cannot run without it.
  if (config && emailsAnyone(config) && smtpUrl === undefined && isUnset(params.SMTP_URL)) problems.push("SMTP_URL is not set: some recipients are email addresses, so bind an smtp:// or smtps:// URL");
  if (problems.length > 0 || credentials === undefined || databaseUrl === undefined || config === undefined) {
    throw new ParameterError(`the action's parameters are invalid:\n  - ${problems.join("\n  - ")}`);
  }
  return { databaseUrl, smtpUrl, apiUrl, config, credentials };
}

function taskOf(params: TrackerActionParams): ScheduledTask {
  const task = params.name ?? "check";
  if (typeof task === "string" && (SCHEDULED_TASKS as readonly string[]).includes(task)) return task as ScheduledTask;
  throw new ParameterError(`name (the task) must be one of ${SCHEDULED_TASKS.join(", ")} (got ${JSON.stringify(task)?.slice(0, 40) ?? typeof task})`);
}

/** Activation logs are stdout/stderr; these lines carry amounts and alert keys, never secrets. */
const log: TrackerLog = {
  info: (line) => console.log(`tracker: ${line}`),
  warn: (line) => console.warn(`tracker: warning: ${line}`),
};

/** What survives between invocations of a warm container: the settings and the open pool. */
interface WarmState {
  /** The raw parameters the state was built from; a redeploy with new ones starts afresh. */
  source: string;
  settings: ActionSettings;
  db: SqlClient;
  transports: Transports;
  closeSmtp: (() => void) | undefined;
}

let warm: Promise<WarmState> | undefined;
let warmSource: string | undefined;

async function coldStart(source: string, params: TrackerActionParams): Promise<WarmState> {
  const settings = readSettings(params);
  const transports: Transports = { slack: createSlackTransport(), webhook: createWebhookTransport() };
  let closeSmtp: (() => void) | undefined;
  if (settings.smtpUrl) {
    const smtp = createSmtpTransport({ url: settings.smtpUrl, from: settings.config.email.from });
    transports.email = smtp.send;
    closeSmtp = smtp.close;
  }
  // One small pool per container: scheduled runs never overlap much, and managed Postgres
  // counts connections against the plan's limit.
  const db = createPostgresClient({ connectionString: settings.databaseUrl, maxConnections: 2 });
  try {
    await CostStore.open(db);
  } catch (error) {
    closeSmtp?.();
    await db.close().catch(() => undefined);
    throw error;
  }
  return { source, settings, db, transports, closeSmtp };
}

/** The warm state for these parameters, made once per container (and again only if they change or a cold start failed). */
function warmStateFor(params: TrackerActionParams): Promise<WarmState> {
  const source = JSON.stringify([
    params.DIGITALOCEAN_TOKEN,
    params.DATABASE_URL,
    params.SMTP_URL,
    params.TRACKER_CONFIG,
    params.DIGITALOCEAN_API_URL,
    params.DIGITALOCEAN_CLEANUP_TOKEN,
    params.DIGITALOCEAN_ORGANIZATION_TOKEN,
    params.DIGITALOCEAN_TEAM_TOKENS,
    params.DIGITALOCEAN_TEAM_CLEANUP_TOKENS,
  ]);
  if (warm === undefined || warmSource !== source) {
    const previous = warm;
    warmSource = source;
    warm = coldStart(source, params);
    // A failed start must not be cached: the next invocation tries again.
    warm.catch(() => {
      if (warmSource === source) warm = warmSource = undefined;
    });
    void previous?.then(release, () => undefined);
  }
  return warm;
}

async function release(state: WarmState): Promise<void> {
  state.closeSmtp?.();
  await state.db.close().catch(() => undefined);
}

/**
 * Closes the cached pool and SMTP transport. The Functions runtime never calls it (the
 * container's end closes the sockets); tests and local runners do, so their process can exit.
 */
export async function closeWarmState(): Promise<void> {
  const state = warm;
  warm = warmSource = undefined;
  await state?.then(release, () => undefined);
}

/** A single-team run always finishes or throws; anything else is a bug worth failing loudly on. */
function failedRun(result: RunResult): never {
  throw new Error(`the run of team ${result.teams[0]?.team ?? "?"} did not finish`);
}

/** A part cut short by the deadline is `stopped`, even the advisor, which returns what it read. */
function statusOf(outcome: UpkeepOutcome<object> | undefined): UpkeepStatus | undefined {
  if (outcome === undefined) return undefined;
  if ("error" in outcome) return "failed";
  if ("stopped" in outcome) return "stopped";
  if ("metrics" in outcome && (outcome as Pick<AdviseResult, "metrics">).metrics.stopped === "deadline") return "stopped";
  return "done";
}

/** How each upkeep part ended (a single-team run's result's, or a team's); none when there was no upkeep. */
function upkeepStatuses(parts: { [Part in keyof UpkeepStatuses]?: UpkeepOutcome<object> }): UpkeepStatuses | undefined {
  const upkeep = Object.fromEntries(Object.entries(parts).map(([part, outcome]) => [part, statusOf(outcome)]).filter(([, status]) => status !== undefined));
  return Object.keys(upkeep).length > 0 ? upkeep : undefined;
}

/** The summary of a single-team run: what it always was. */
function summarise(result: TaskResult, task: ScheduledTask, requests: number): TrackerActionSummary {
  if (result.task === "history") throw new Error("the history task is not scheduled");
  const { check } = result;
  const reportDelivery = result.task === "check" ? { delivered: 0, failed: 0 } : result.delivery;
  const upkeep = upkeepStatuses(result.task === "check" ? { advice: result.advice } : { ...result.upkeep });
  return {
    task,
    monthToDateUsd: check.ingest.monthToDateUsd,
    fired: [...check.fired.thresholds, ...(check.fired.forecast ? [check.fired.forecast] : []), ...check.fired.spikes],
    delivered: check.delivery.delivered + reportDelivery.delivered,
    failed: check.delivery.failed + reportDelivery.failed,
    requests,
    ...(upkeep ? { upkeep } : {}),
  };
}

/** The summary of a run with teams: the organisation's figures, and each team's part. */
function summariseTeams(result: RunResult, task: ScheduledTask, requestsOf: (team: string) => number | undefined, organizationRequests: number): TrackerActionSummary {
  const teams = result.teams.map((outcome): TeamRunSummary => {
    const requests = requestsOf(outcome.team);
    const sent = requests === undefined ? {} : { requests };
    if (outcome.status === "failed") return { team: outcome.team, status: "failed", why: outcome.error, ...sent };
    if (outcome.status === "waiting") return { team: outcome.team, status: "waiting", why: outcome.why, ...sent };
    if (outcome.result.task === "history") return { team: outcome.team, status: "done", ...sent };
    const { check } = outcome.result;
    const upkeep = upkeepStatuses({ ...outcome.upkeep });
    return {
      team: outcome.team,
      status: "done",
      monthToDateUsd: check.monthToDate.usd,
      source: check.monthToDate.source,
      fired: [...check.fired.thresholds, ...(check.fired.forecast ? [check.fired.forecast] : []), ...check.fired.spikes, ...check.apps.fired],
      ...sent,
      ...(upkeep ? { upkeep } : {}),
      ...(outcome.upkeepNote ? { upkeepNote: outcome.upkeepNote } : {}),
    };
  });
  const delivered = (outcome: RunResult["teams"][number]) =>
    outcome.status !== "done" || outcome.result.task === "history" ? { delivered: 0, failed: 0 } : outcome.result.task === "check" ? outcome.result.check.delivery : addUp(outcome.result.check.delivery, outcome.result.delivery);
  const totals = [...result.teams.map(delivered), result.delivery].reduce(addUp, { delivered: 0, failed: 0 });
  return {
    task,
    monthToDateUsd: result.organization?.monthToDateUsd ?? 0,
    fired: result.organization?.fired ?? [],
    delivered: totals.delivered,
    failed: totals.failed,
    requests: teams.reduce((sum, team) => sum + (team.requests ?? 0), organizationRequests),
    teams,
  };
}

function addUp(a: { delivered: number; failed: number }, b: { delivered: number; failed: number }): { delivered: number; failed: number } {
  return { delivered: a.delivered + b.delivered, failed: a.failed + b.failed };
}

/**
 * The upkeep's clients for one run. Every read-only client is the check's own (one token, one
 * meter: the advisor, calibration and clean-up reads share the check's budget and pacer); clean-up
 * writes only through a client with the write-scoped token, metered on its own, that never
 * retries (a lost answer is re-checked on the next run, never repeated).
 */
function upkeepClients(settings: ActionSettings, team: TeamCredential & { readToken: string }, client: DigitalOceanClient, meters: RunMeters): DailyUpkeep {
  const write = team.cleanupToken
    ? new DigitalOceanClient({ token: team.cleanupToken, baseUrl: settings.apiUrl, maxRetries: 0, meter: meters.forToken(team.cleanupToken), logger: { warn: log.warn } })
    : undefined;
  return {
    catalog: defaultCatalog,
    advice: { api: client, requests: meters.forToken(team.readToken) },
    calibration: { api: client },
    cleanup: { read: client, ...(write ? { write } : {}) },
  };
}

/**
 * The action's entry point: runs the trigger's task (`check` by default) and answers with a
 * {@link TrackerActionSummary}, or a {@link TrackerActionFailure} without stack or secrets.
 *
 * The run's deadline is OpenWhisk's `__OW_DEADLINE`, read from the environment at each
 * invocation: DigitalOcean's Node.js runtime (nimbella/openwhisk-runtime-nodejs,
 * core/nodejsActionBase/src/service.js `doRun` and launcher.js `actionLoop`, read 2026-12-06)
 * copies each activation's keys but `value` into `process.env.__OW_<KEY>` and passes `main` only
 * `value`, the parameters; so the deadline is never a parameter, and one in a trigger's body is
 * not trusted. The hourly check spends a slice of the advice budget; the daily task sends its
 * report first, then runs the upkeep while the deadline allows.
 */
export async function main(params: TrackerActionParams = {}): Promise<TrackerActionSummary | TrackerActionFailure> {
  const deadline = runDeadline(openWhiskDeadline(process.env.__OW_DEADLINE));
  try {
    const task = taskOf(params);
    const state = await warmStateFor(params);
    const { settings } = state;
    // Per run: the budget, the pacer and the deadline are this activation's, shared by every client of a token.
    const meters = new RunMeters({ budget: settings.config.advice.requestBudget, perMinute: DEFAULT_REQUESTS_PER_MINUTE, deadline });
    const clientOf = (token: string) => new DigitalOceanClient({ token, baseUrl: settings.apiUrl, meter: meters.forToken(token), logger: { warn: log.warn } });
    // Each team reads with its own token, metered on its own: DigitalOcean's limits are per token.
    const readers = settings.credentials.teams.filter((team): team is TeamCredential & { readToken: string } => team.readToken !== undefined);
    const teamClients = new Map(readers.map((team) => [team.team, clientOf(team.readToken)]));
    const { organizationToken } = settings.credentials;
    const single = settings.config.teams.length === 1 && settings.config.teams[0]!.implicit ? readers[0] : undefined;
    const result = await runTracker(task, {
      teamClients,
      ...(organizationToken ? { organizationClient: clientOf(organizationToken) } : {}),
      db: state.db,
      transports: state.transports,
      now: new Date(),
      config: settings.config,
      log,
      deadline,
      // Advice, clean-up and calibration: each team with its own tokens (the weekly task has none).
      ...(task !== "weekly" ? { upkeep: new Map(readers.map((team) => [team.team, upkeepClients(settings, team, teamClients.get(team.team)!, meters)])) } : {}),
    });
    if (single) return summarise(result.teams[0]!.status === "done" ? result.teams[0].result : failedRun(result), task, meters.forToken(single.readToken).sent());
    const tokenOf = new Map(readers.map((team) => [team.team, team.readToken]));
    const requestsOf = (team: string) => (tokenOf.has(team) ? meters.forToken(tokenOf.get(team)!).sent() : undefined);
    const summary = summariseTeams(result, task, requestsOf, organizationToken ? meters.forToken(organizationToken).sent() : 0);
    // Every team failed: the activation fails too, so the deployment's monitoring sees it.
    if (result.teams.length > 0 && result.teams.every((team) => team.status === "failed")) {
      return { statusCode: 502, error: `every team's run failed (${summary.teams!.map((team) => `${team.team}: ${team.why}`).join("; ")}); nothing half-written was kept and the next run catches up` };
    }
    return summary;
  } catch (error) {
    if (error instanceof ParameterError) return { statusCode: 400, error: error.message };
    if (error instanceof DigitalOceanApiError) {
      return { statusCode: 502, error: `could not read DigitalOcean (${error.message}); nothing from this run was written and the next run catches up` };
    }
    return { statusCode: 500, error: `the run failed: ${(error as Error).message}; nothing half-written was kept (the ingest commits in one transaction)` };
  }
}
