/**
 * The dashboard's DigitalOcean Functions web action: `main(params)` only adapts. It reads its
 * settings once (first invocation of a warm container) into a typed object that is never
 * logged, opens a `pg` pool kept across invocations, maps OpenWhisk's `__ow_*` fields to a
 * `DashboardRequest` and returns `handleDashboardRequest`'s answer.
 *
 * Postgres only: the CLI's embedded PostgreSQL (store/open-store) is never imported here.
 *
 * Parameters (final, set by the deployment; process.env is the fallback for local runs):
 *   DATABASE_URL         postgres:// URL of the tracker's database
 *   DASHBOARD_PASSWORD   at least 16 characters; Basic password, or the bearer token
 *   DASHBOARD_USERNAME   Basic username, default "do-cost-guard"
 *   DASHBOARD_SETTINGS   {budgetMonthlyUsd, thresholds: [{id, amountUsd}], teams?, organization?, timeZone?,
 *                        runbookUrl?, cleanup?: {enabled, apply}} (string or object), from the stack; for a local run,
 *                        TRACKER_CONFIG (the tracker's JSON config) stands in for it
 *   DASHBOARD_TEAM_PASSWORDS  optional {team name: password} (string or object): each team's own view
 * Deploy it with `web: raw` so `__ow_query` and `__ow_body` arrive untouched; without it,
 * OpenWhisk merges query and JSON body fields into `params`, which is handled too.
 */
import { AdviceStore } from "../store/advice-store";
import { CalibrationStore } from "../store/calibration-store";
import { CostStore } from "../store/cost-store";
import { createPostgresClient } from "../store/pg-client";
import type { SqlClient } from "../store/sql-client";
import { parseSecretMap, teamPasswordProblems } from "../../../core/team-credentials";
import {
  dashboardSettingsOf,
  dashboardSettingsSchema,
  formatSettingsIssues,
  IMPLICIT_TEAM_NAME,
  parseTrackerSettings,
  SETTINGS_PARSE_OPTIONS,
  type DashboardSettings,
} from "../../../core/tracker-settings";
import { dashboardPasswordProblem, MIN_DASHBOARD_PASSWORD_LENGTH, postgresUrlProblem } from "../../../core/validators";
import type { DashboardAuth } from "./auth";
import { entryBytesLeft, jsonBytesLeft, MAX_REQUEST_BODY_BYTES } from "./body-limit";
import { handleDashboardRequest, type ConfigThreshold, type DashboardRequest, type DashboardResponse } from "./handle";
import type { DashboardTeams, TeamStores } from "./organization";

/** The action's settings, validated. Holds secrets: never log or return it. */
export interface DashboardEnvironment {
  databaseUrl: string;
  auth: DashboardAuth;
  budgetMonthlyUsd: number;
  configThresholds: readonly ConfigThreshold[];
  /** Every team (the implicit `default` one for a single-team deployment): name, budget, threshold ids, insightsOnly. */
  teams: DashboardSettings["teams"];
  /** The organisation's budget and thresholds, when configured. */
  organization?: DashboardSettings["organization"];
  /** Each team's own password (DASHBOARD_TEAM_PASSWORDS), by team name; empty when none is set. */
  teamPasswords: ReadonlyMap<string, string>;
  /** IANA zone the page writes times in. */
  timeZone: string;
  /** The hosted runbook the page links alerts into, when set. */
  runbookUrl?: string;
  /** Whether the daily task runs clean-up and acts; absent in settings bound before the page showed it. */
  cleanup?: DashboardSettings["cleanup"];
}

/** A missing or malformed setting; the message names the parameter and never its value. */
export class DashboardEnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DashboardEnvironmentError";
  }
}

const SETTING_NAMES = ["DATABASE_URL", "DASHBOARD_PASSWORD", "DASHBOARD_USERNAME", "DASHBOARD_SETTINGS", "TRACKER_CONFIG", "DASHBOARD_TEAM_PASSWORDS"] as const;
/** The Basic username the stack documents (Pulumi.yaml, `dashboardPassword`). */
export const DEFAULT_DASHBOARD_USERNAME = "do-cost-guard";
/** Shortest password accepted: the stack's `dashboardPassword` rule (core/validators). */
export const MIN_PASSWORD_LENGTH = MIN_DASHBOARD_PASSWORD_LENGTH;

function setting(params: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv, name: (typeof SETTING_NAMES)[number]): unknown {
  const value = params[name] ?? env[name];
  return typeof value === "string" ? value.trim() : value;
}

/** A JSON setting given as a string (bound parameters, env) or already parsed; the message never quotes it. */
function jsonSetting(params: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv, name: "DASHBOARD_SETTINGS" | "TRACKER_CONFIG"): unknown {
  const raw = setting(params, env, name);
  if (typeof raw !== "string") return raw;
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new DashboardEnvironmentError(`${name} is not valid JSON`);
  }
}

type PageSettings = Pick<DashboardEnvironment, "budgetMonthlyUsd" | "configThresholds" | "teams" | "organization" | "timeZone" | "runbookUrl" | "cleanup">;

function pageSettings(settings: DashboardSettings): PageSettings {
  return {
    budgetMonthlyUsd: settings.budgetMonthlyUsd,
    configThresholds: settings.thresholds,
    teams: settings.teams,
    ...(settings.organization ? { organization: settings.organization } : {}),
    timeZone: settings.timeZone,
    ...(settings.runbookUrl !== undefined ? { runbookUrl: settings.runbookUrl } : {}),
    ...(settings.cleanup ? { cleanup: settings.cleanup } : {}),
  };
}

/**
 * The budget, config thresholds, time zone, runbook and clean-up mode: DASHBOARD_SETTINGS (what the stack
 * binds: no secrets of the tracker), or for a local run the tracker's own TRACKER_CONFIG,
 * checked by the same schema.
 */
function budgetAndThresholds(params: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): PageSettings {
  const dashboardSettings = jsonSetting(params, env, "DASHBOARD_SETTINGS");
  if (dashboardSettings !== undefined) {
    const result = dashboardSettingsSchema.safeParse(dashboardSettings, SETTINGS_PARSE_OPTIONS);
    if (!result.success) throw new DashboardEnvironmentError(`DASHBOARD_SETTINGS: ${formatSettingsIssues(result.error.issues, "", "the settings").join("; ")}`);
    return pageSettings(result.data);
  }
  const trackerConfig = jsonSetting(params, env, "TRACKER_CONFIG");
  if (trackerConfig === undefined) throw new DashboardEnvironmentError("DASHBOARD_SETTINGS must be set to {budgetMonthlyUsd, thresholds} by the stack, or TRACKER_CONFIG must be set to the tracker's JSON config for a local run");
  const parsed = parseTrackerSettings(trackerConfig);
  // The tracker's problems name JSON paths and never echo Slack or webhook URLs.
  if (!parsed.ok) throw new DashboardEnvironmentError(`TRACKER_CONFIG: tracker config is invalid: ${parsed.problems.join("; ")}`);
  return pageSettings(dashboardSettingsOf(parsed.settings));
}

/**
 * DASHBOARD_TEAM_PASSWORDS: each key a team, each password passing the dashboard password rule
 * and unlike every other (and the dashboard's own). Problems name the parameter and the team,
 * never a password.
 */
function teamPasswordsOf(params: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv, teams: readonly string[], password: string): ReadonlyMap<string, string> {
  const problems: string[] = [];
  const passwords = parseSecretMap(setting(params, env, "DASHBOARD_TEAM_PASSWORDS"), "DASHBOARD_TEAM_PASSWORDS", problems);
  if (passwords) {
    const places = { teamPasswords: "DASHBOARD_TEAM_PASSWORDS", teamPassword: (team: string) => `DASHBOARD_TEAM_PASSWORDS.${team}`, password: "DASHBOARD_PASSWORD" };
    problems.push(...teamPasswordProblems(passwords, teams, password, places, dashboardPasswordProblem));
  }
  if (problems.length > 0 || !passwords) throw new DashboardEnvironmentError(problems.join("; "));
  return passwords;
}

/** Reads and validates the action's settings from its parameters, falling back to the environment. */
export function readDashboardEnvironment(params: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv = process.env): DashboardEnvironment {
  // The rules' reasons ("must be …") never include the value: both settings are secrets.
  const databaseUrl = setting(params, env, "DATABASE_URL");
  const databaseUrlProblem = postgresUrlProblem(databaseUrl);
  if (typeof databaseUrl !== "string" || databaseUrlProblem) throw new DashboardEnvironmentError(`DATABASE_URL ${databaseUrlProblem?.replace(/^must be /, "must be set to ")}`);
  const password = setting(params, env, "DASHBOARD_PASSWORD");
  const passwordProblem = dashboardPasswordProblem(password);
  if (typeof password !== "string" || passwordProblem) throw new DashboardEnvironmentError(`DASHBOARD_PASSWORD ${passwordProblem?.replace(/^must be /, "must be set to ")}`);
  const username = setting(params, env, "DASHBOARD_USERNAME") ?? DEFAULT_DASHBOARD_USERNAME;
  if (typeof username !== "string" || username === "" || username.includes(":")) {
    throw new DashboardEnvironmentError("DASHBOARD_USERNAME must be a non-empty name without ':'");
  }
  const settings = budgetAndThresholds(params, env);
  const teamPasswords = teamPasswordsOf(params, env, settings.teams.map((team) => team.name), password);
  return { databaseUrl, auth: { username, password }, ...settings, teamPasswords };
}

/**
 * Query and body fields a non-raw web action merges into params, minus the settings and `__ow_*`.
 * Built on a null prototype: on a plain `{}`, assigning a `__proto__` field would set the
 * prototype instead of adding a key, hiding it from the unknown-field check and letting its
 * contents pass as inherited fields. Copying stops once the fields' JSON passes the body cap:
 * what was copied is then over the cap itself, so the handler answers 413, and 200,000 fields
 * are not all copied (and then walked again) first.
 */
function mergedFields(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null);
  let left = jsonBytesLeft({}, MAX_REQUEST_BODY_BYTES);
  let comma = 0;
  // for...in rather than Object.entries: no array of 200,000 [key, value] pairs.
  for (const key in params) {
    if (!Object.prototype.hasOwnProperty.call(params, key) || key.startsWith("__ow_") || (SETTING_NAMES as readonly string[]).includes(key)) continue;
    fields[key] = params[key];
    left = entryBytesLeft(key, params[key], left - comma);
    comma = 1;
    if (left < 0) break;
  }
  return fields;
}

// Base64 carries 3 bytes in 4 characters: longer text decodes to more than the body cap.
const BASE64_BODY_CAP_CHARS = Math.ceil(MAX_REQUEST_BODY_BYTES / 3) * 4;

/** Maps OpenWhisk's web-action parameters to the handler's request. */
export function requestFromParams(params: Readonly<Record<string, unknown>>): DashboardRequest {
  const headers = (typeof params.__ow_headers === "object" && params.__ow_headers !== null ? params.__ow_headers : {}) as Record<string, string | undefined>;
  const method = typeof params.__ow_method === "string" ? params.__ow_method.toUpperCase() : "GET";
  const path = typeof params.__ow_path === "string" ? params.__ow_path : "";
  const raw = typeof params.__ow_query === "string" || typeof params.__ow_body === "string";
  // Null prototype for the same reason as mergedFields: `?__proto__=x` stays an ordinary key.
  const query: Record<string, string> = Object.create(null);
  let body: DashboardRequest["body"];
  if (raw) {
    for (const [key, value] of new URLSearchParams(typeof params.__ow_query === "string" ? params.__ow_query : "")) query[key] = value;
    const text = typeof params.__ow_body === "string" ? params.__ow_body : undefined;
    // Raw web actions base64-encode bodies whose content type is not text; JSON arrives as text.
    // Text too long to decode within the cap is passed on undecoded: the handler refuses it by
    // size (413) either way, and a 10 MiB body is not copied into a second 7.5 MiB one first.
    const decodable = text !== undefined && text.length <= BASE64_BODY_CAP_CHARS && !/^\s*[{[]/.test(text) && /^[A-Za-z0-9+/=\s]+$/.test(text);
    body = decodable ? Buffer.from(text, "base64").toString("utf8") : text;
  } else {
    const fields = mergedFields(params);
    for (const [key, value] of Object.entries(fields)) if (typeof value === "string") query[key] = value;
    body = method === "POST" ? fields : undefined;
  }
  return { method, path, headers, query, body };
}

/**
 * Whether the settings are a deployment with teams: anything but the one implicit team a
 * config without `teams` resolves to. (A config whose only team is named `default`, with no
 * organisation, is shown as a single-team deployment: its rows are that team's either way.)
 */
export function hasTeams(settings: Pick<DashboardSettings, "teams" | "organization">): boolean {
  return !(settings.teams.length === 1 && settings.teams[0]!.name === IMPLICIT_TEAM_NAME && settings.organization === undefined);
}

/**
 * The handler's view of a deployment with teams over one database: the settings' teams and
 * organisation, each label's stores (made once per label and kept while the container is warm),
 * and the cross-team reads of one store.
 */
export function dashboardTeams(settings: Pick<DashboardSettings, "teams" | "organization">, db: SqlClient): DashboardTeams {
  const stores = new Map<string, TeamStores>();
  const storesOf = (label: string): TeamStores => {
    let found = stores.get(label);
    if (!found) {
      const advice = new AdviceStore(db, label);
      found = { store: new CostStore(db, label), advice, calibration: new CalibrationStore(db, label), cleanup: advice };
      stores.set(label, found);
    }
    return found;
  };
  return { list: settings.teams, ...(settings.organization ? { organization: settings.organization } : {}), storesOf, across: new CostStore(db) };
}

interface Runtime {
  env: DashboardEnvironment;
  store: CostStore;
  advice: AdviceStore;
  calibration: CalibrationStore;
  /** With teams: every team's stores. */
  teams?: DashboardTeams;
}

// Cached for the container's life: settings are read once and the pool is reused while warm.
let runtime: Promise<Runtime> | undefined;

async function startRuntime(params: Readonly<Record<string, unknown>>): Promise<Runtime> {
  const env = readDashboardEnvironment(params);
  const client = createPostgresClient({ connectionString: env.databaseUrl, maxConnections: 2 });
  try {
    const store = await CostStore.open(client);
    return { env, store, advice: new AdviceStore(client), calibration: new CalibrationStore(client), ...(hasTeams(env) ? { teams: dashboardTeams(env, client) } : {}) };
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

const PLAIN_ERROR_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };

/** The web action's entry point. */
export async function main(params: Readonly<Record<string, unknown>>): Promise<DashboardResponse> {
  runtime ??= startRuntime(params);
  let ready: Runtime;
  try {
    ready = await runtime;
  } catch (error) {
    // Not cached: the next invocation retries (the database may be back, the settings fixed).
    runtime = undefined;
    if (error instanceof DashboardEnvironmentError) {
      console.error(`dashboard is misconfigured: ${error.message}`);
      return { statusCode: 500, headers: PLAIN_ERROR_HEADERS, body: JSON.stringify({ error: "the dashboard is misconfigured; its logs name the setting to fix" }) };
    }
    console.error(`dashboard could not open its database: ${(error as Error).message}`);
    return { statusCode: 503, headers: PLAIN_ERROR_HEADERS, body: JSON.stringify({ error: "the cost database is unavailable right now; try again in a minute" }) };
  }
  return handleDashboardRequest(requestFromParams(params), {
    store: ready.store,
    auth: ready.env.auth,
    now: new Date(),
    budgetMonthlyUsd: ready.env.budgetMonthlyUsd,
    configThresholds: ready.env.configThresholds,
    timeZone: ready.env.timeZone,
    ...(ready.env.runbookUrl !== undefined ? { runbookUrl: ready.env.runbookUrl } : {}),
    advice: ready.advice,
    calibration: ready.calibration,
    cleanup: ready.advice,
    ...(ready.env.cleanup ? { cleanupMode: ready.env.cleanup } : {}),
    ...(ready.teams ? { teams: ready.teams } : {}),
    teamPasswords: ready.env.teamPasswords,
    log: (line) => console.error(line),
  });
}
