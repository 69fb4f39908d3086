/**
 * `npm run tracker -- <task> [options]`: runs a tracker task locally, against the real
 * DigitalOcean API (or DIGITALOCEAN_API_URL) and Postgres or an embedded PostgreSQL.
 * The same `handle` the scheduled function runs; this file only adapts argv and environment.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_REQUEST_BUDGET, DEFAULT_REQUESTS_PER_MINUTE, DIGITALOCEAN_REQUESTS_PER_HOUR } from "../../core/advice/request-budget";
import { deadlineAfterSeconds, DEFAULT_DEADLINE_MARGIN_MS, NO_DEADLINE, runDeadline, type RunDeadline } from "../../core/deadline";
import { createPriceCatalog, defaultCatalog } from "../../core/pricing";
import { DigitalOceanApiError, DigitalOceanClient } from "./digitalocean/client";
import { RunMeters } from "./digitalocean/token-meter";
import { createSlackTransport } from "./notify/slack";
import { createSmtpTransport } from "./notify/email";
import { createWebhookTransport } from "./notify/webhook";
import type { Transports } from "./notify/outbox";
import { configuredRecipients, formatTestReport, renderTestNotification, sendTestNotifications } from "./notify/test-notify";
import { AdviceStore } from "./store/advice-store";
import { CostStore } from "./store/cost-store";
import { migrate } from "./store/migrations";
import { DEFAULT_EMBEDDED_DIR, connectStoreClient } from "./store/open-store";
import type { SqlClient } from "./store/sql-client";
import { parseTrackerConfig, TrackerConfigError, type TrackerConfig } from "./tracker/config";
import { resolveTeamCredentials, singleTeamCredentials, type TeamCredentials } from "../../core/team-credentials";
import type { TeamConfig } from "../../core/tracker-settings";
import { advise } from "./tracker/advise";
import { adviceDocument, formatAdvice, formatCleanup } from "./tracker/advice-report";
import { cleanup } from "./tracker/cleanup";
import { calibrationJson, formatCalibration, runCalibration } from "./tracker/calibrate";
import { formatReconciliation, parsePlanJson, runReconciliation, type PlanJson } from "./tracker/reconcile";
import { runTracker, TRACKER_TASKS, type RunResult, type TaskResult, type TrackerTask } from "./tracker/handle";
import type { TrackerLog } from "./tracker/ingest";
import { teamSubject } from "./tracker/scope";

const HELP = `Usage: npm run tracker -- <task> [options]

Tasks:
  check     ingest balance, invoice preview and resources; fire thresholds, forecast and
            spike alerts (each once per billing month); deliver pending notifications
  daily     check, then yesterday's report (once per date)
  weekly    check, then last week's report (once per ISO week)
  history   back-fill daily history from invoices (and billing insights with accountUrn)

  With "teams" in the config, check, daily and weekly run every team with its own token (the
  organisation's insights first, when organizationUrn is set), each team's alerts to its own
  recipients, then the organisation's thresholds on the sum of the teams and, weekly, its
  summary; history back-fills each team that has a token. advise, cleanup, calibrate and
  reconcile run for one team, named by --team, with that team's tokens only.

  test-notify
            send one test message to every recipient in the config and report each
            (see npm run tracker -- test-notify --help)
  advise    read the inventory and (within --budget requests) utilisation; list savings
            (powered-off and idle droplets, unattached volumes, unassigned reserved IPs,
            old snapshots, idle load balancers, oversized databases) and untagged resources
  cleanup   resources tagged expires:YYYY-MM-DD: a notice first, and only graceDays after it
            was delivered (and the date passed) snapshot then destroy/delete; without --apply
            nothing is sent or changed: it prints the notices it would send
  calibrate compare what the invoice preview billed per size (normalised to a full month by the
            672-hour cap) with the price catalog: per product and slug, catalog and invoiced
            $/month, drift %, resources, verdict (ok within ±1% or $0.05, drift,
            unknown-in-catalog); a drift or unknown slug notifies the default recipients once
            per slug per month
  reconcile --plan FILE: the plan's per-resource estimates (npm run plan -- --json) against the
            month's invoice for the resources tagged stack:<project>-<stack>, per resource
            and in total, the difference split into backups, snapshots, bandwidth, storage

Options:
  --config FILE         tracker JSON config (see examples/tracker-config.json); required
  --database-url URL    Postgres to use (else DATABASE_URL, else an embedded PostgreSQL in ${DEFAULT_EMBEDDED_DIR})
  --now ISO             run as if it were this instant (replays), e.g. 2026-03-15T06:00:00Z
  --json FILE           advise, cleanup, calibrate, reconcile: also write the result as JSON
                        (cleanup: version 2; the others: version 1)
  --catalog FILE        calibrate: price catalog to compare with (default core/pricing/prices.json)
  --plan FILE           reconcile: the plan JSON (required)
  --month YYYY-MM       reconcile: the invoice month (default the latest closed invoice)
  --budget N            advise: DigitalOcean requests this run may spend (default the config's
                        advice.requestBudget, ${DEFAULT_REQUEST_BUDGET}); other tasks may spend DigitalOcean's
                        hourly ${DIGITALOCEAN_REQUESTS_PER_HOUR}; every task sends at most ${DEFAULT_REQUESTS_PER_MINUTE} a minute
  --deadline-seconds N  stop cleanly N seconds from now, as the scheduled function does before
                        its timeout: no request starts in the last ${DEFAULT_DEADLINE_MARGIN_MS / 1000} s, long steps
                        save their progress (advise: every resource read so far) for the next run
  --apply               cleanup: send notices and act (needs DIGITALOCEAN_CLEANUP_TOKEN and
                        recipients); without it, a dry run that sends nothing
  --team NAME           advise, cleanup, calibrate, reconcile with "teams" in the config (required
                        there): the team to work on, read with DIGITALOCEAN_TOKEN_<NAME> (cleanup
                        --apply writes with DIGITALOCEAN_CLEANUP_TOKEN_<NAME>), filed under its
                        name, its notices to its recipients
  -h, --help            this text

Environment (tokens are never printed):
  DIGITALOCEAN_TOKEN    read-scoped API token (required); with "organizationUrn" in the config, the
                        organisation's token instead (organization:read and billing:read)
  DIGITALOCEAN_TOKEN_<NAME>
                        with "teams" in the config: team <name>'s read token (name upper-cased,
                        - as _, e.g. DIGITALOCEAN_TOKEN_EU_STAGING for eu-staging); a team without
                        one is read from organisation insights only (daily)
  DIGITALOCEAN_CLEANUP_TOKEN
                        write-scoped token, read only by cleanup --apply
  DIGITALOCEAN_CLEANUP_TOKEN_<NAME>
                        with "teams": team <name>'s write-scoped token, read only by cleanup --apply
  DIGITALOCEAN_API_URL  default https://api.digitalocean.com
  SMTP_URL              smtp://user:pass@host:port for email recipients
  DATABASE_URL          see --database-url
  EMBEDDED_POSTGRES_DIR the embedded PostgreSQL's directory (default ${DEFAULT_EMBEDDED_DIR})

Exit status: 0 done, 1 DigitalOcean/database/delivery setup failed (nothing half-written;
the next run catches up), 2 bad arguments or config.`;

const TEST_NOTIFY_HELP = `Usage: npm run tracker -- test-notify --config FILE [--now ISO]

Sends one message marked "[TEST]" to every distinct recipient the config names (each email
address, Slack channel and webhook, from thresholds, forecast, spikes, reports and app
watches), right away and not through the outbox, and prints one line per recipient:
delivered or FAILED with the reason. Slack recipients are shown by channel and webhooks by
origin only; their URLs carry secrets and are never printed. Needs no DigitalOcean token and
no database.

Options:
  --config FILE   tracker JSON config; required
  --now ISO       the "sent at" time shown in the message (default: now)
  -h, --help      this text

Environment:
  SMTP_URL        smtp://user:pass@host:port; without it every email recipient is reported FAILED

Exit status: 0 every recipient delivered, 1 at least one failed, 2 bad arguments or config
(including a config without any recipient).`;

class UsageError extends Error {}

const TEAM_TOKEN_PREFIX = "DIGITALOCEAN_TOKEN_";
const TEAM_CLEANUP_TOKEN_PREFIX = "DIGITALOCEAN_CLEANUP_TOKEN_";

/** A team's variable suffix: its name upper-cased, `-` as `_` (names have no `_`, so it maps back to one team). */
export function teamVariable(prefix: string, team: string): string {
  return `${prefix}${team.toUpperCase().replace(/-/g, "_")}`;
}

/** `{team name: token}` from the variables named `<prefix><NAME>`. */
function teamTokensFromEnv(env: NodeJS.ProcessEnv, prefix: string): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const suffix = name.startsWith(prefix) ? name.slice(prefix.length) : "";
    if (/^[A-Z0-9_]+$/.test(suffix) && value?.trim()) tokens.set(suffix.toLowerCase().replace(/_/g, "-"), value.trim());
  }
  return tokens;
}

/**
 * The tokens of a run, from the environment: a single-team config's DIGITALOCEAN_TOKEN (and
 * DIGITALOCEAN_CLEANUP_TOKEN); with `teams`, DIGITALOCEAN_TOKEN as the organisation's token
 * when `organizationUrn` is set and DIGITALOCEAN_TOKEN_<NAME> per team (clean-up tokens
 * DIGITALOCEAN_CLEANUP_TOKEN_<NAME>, read only with --apply). Checked by the rules the stack
 * and the action share; a problem names the variable, never its value. Exported for tests.
 */
export function credentialsFromEnv(config: TrackerConfig, env: NodeJS.ProcessEnv, apply = false): TeamCredentials {
  if (config.teams[0]!.implicit) {
    const token = env.DIGITALOCEAN_TOKEN?.trim();
    if (!token) throw new UsageError("DIGITALOCEAN_TOKEN is not set: create a read-scoped token (billing:read plus the resource read scopes) and export it");
    return singleTeamCredentials(config, token, env.DIGITALOCEAN_CLEANUP_TOKEN?.trim() || undefined);
  }
  const resolved = resolveTeamCredentials(
    config,
    { organizationToken: env.DIGITALOCEAN_TOKEN, readTokens: teamTokensFromEnv(env, TEAM_TOKEN_PREFIX), cleanupTokens: teamTokensFromEnv(env, TEAM_CLEANUP_TOKEN_PREFIX) },
    {
      organizationToken: "DIGITALOCEAN_TOKEN (the organisation's token)",
      readTokens: `${TEAM_TOKEN_PREFIX}<NAME>`,
      readToken: (team) => teamVariable(TEAM_TOKEN_PREFIX, team),
      cleanupTokens: `${TEAM_CLEANUP_TOKEN_PREFIX}<NAME>`,
      cleanupToken: (team) => teamVariable(TEAM_CLEANUP_TOKEN_PREFIX, team),
      team: (index) => `teams[${index}]`,
      cleanupApply: "cleanup --apply is given",
      organizationUrn: "organizationUrn",
    },
    apply,
  );
  if (!resolved.ok) throw new UsageError(`the tokens in the environment do not fit the config's teams:\n  - ${resolved.problems.join("\n  - ")}`);
  return resolved.credentials;
}

/** The team an account task (advise, cleanup, calibrate, reconcile) works on, with its tokens. Holds secrets: never print it. */
interface AccountTaskTeam {
  team: TeamConfig;
  token: string;
  /** The write-scoped token clean-up --apply acts with, when given. */
  cleanupToken: string | undefined;
}

/**
 * The team an account task works on and its tokens: a single-team config's one team
 * (DIGITALOCEAN_TOKEN, DIGITALOCEAN_CLEANUP_TOKEN); with teams, the one `--team` names, with its
 * own DIGITALOCEAN_TOKEN_<NAME> and DIGITALOCEAN_CLEANUP_TOKEN_<NAME> only: no other team's token,
 * nor the organisation's, is read. A problem names the option or variable, never a value.
 */
function accountTaskTeam(config: TrackerConfig, env: NodeJS.ProcessEnv, task: AccountTask, teamName: string | undefined, apply: boolean): AccountTaskTeam {
  const chosen = chosenTeam(config, env, task, teamName);
  if (apply && !chosen.cleanupToken) {
    const [write, read] = chosen.team.implicit ? ["DIGITALOCEAN_CLEANUP_TOKEN", "DIGITALOCEAN_TOKEN"] : [teamVariable(TEAM_CLEANUP_TOKEN_PREFIX, chosen.team.name), teamVariable(TEAM_TOKEN_PREFIX, chosen.team.name)];
    throw new UsageError(`cleanup --apply needs ${write}: a write-scoped token (droplet, volume and image write), kept apart from the read-only ${read}`);
  }
  return chosen;
}

/** The team `--team` names (a single-team config's one team without it) and the tokens found for it. */
function chosenTeam(config: TrackerConfig, env: NodeJS.ProcessEnv, task: AccountTask, teamName: string | undefined): AccountTaskTeam {
  if (config.teams[0]!.implicit) {
    if (teamName !== undefined) throw new UsageError(`--team is for a config with "teams"; this config has none (drop --team)`);
    const [only] = credentialsFromEnv(config, env).teams;
    return { team: config.teams[0]!, token: only!.readToken!, cleanupToken: only!.cleanupToken };
  }
  const names = config.teams.map((team) => team.name).join(", ");
  if (teamName === undefined) throw new UsageError(`${task} works on one team at a time: name it with --team (one of ${names})`);
  const team = config.teams.find((candidate) => candidate.name === teamName);
  if (!team) throw new UsageError(`--team ${JSON.stringify(teamName.slice(0, 60))} is not a team of the config (teams: ${names})`);
  const readVariable = teamVariable(TEAM_TOKEN_PREFIX, team.name);
  const token = env[readVariable]?.trim();
  if (!token) throw new UsageError(`${task} --team ${team.name} needs ${readVariable}: team ${team.name}'s own read-only token (a team without one is tracked from organisation insights only, and not analysed)`);
  return { team, token, cleanupToken: env[teamVariable(TEAM_CLEANUP_TOKEN_PREFIX, team.name)]?.trim() || undefined };
}

/** The one command that is not a tracker task: it sends, it does not read DigitalOcean. */
const TEST_NOTIFY = "test-notify";

/** Commands over the account's resources rather than its bill. */
const ACCOUNT_TASKS = ["advise", "cleanup", "calibrate", "reconcile"] as const;
type AccountTask = (typeof ACCOUNT_TASKS)[number];
const TASK_NAMES: readonly string[] = [...TRACKER_TASKS, TEST_NOTIFY, ...ACCOUNT_TASKS];

interface CliArgs {
  task: TrackerTask | typeof TEST_NOTIFY | AccountTask;
  configPath: string;
  databaseUrl?: string;
  now?: Date;
  jsonPath?: string;
  budget?: number;
  deadlineSeconds?: number;
  apply?: boolean;
  catalogPath?: string;
  planPath?: string;
  month?: string;
  team?: string;
}

function parseArgs(argv: readonly string[]): CliArgs | "help" | "test-notify-help" {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) return argv.includes(TEST_NOTIFY) ? "test-notify-help" : "help";
  let task: CliArgs["task"] | undefined;
  let configPath: string | undefined;
  let databaseUrl: string | undefined;
  let now: Date | undefined;
  let jsonPath: string | undefined;
  let budget: number | undefined;
  let deadlineSeconds: number | undefined;
  let apply = false;
  let catalogPath: string | undefined;
  let planPath: string | undefined;
  let month: string | undefined;
  let team: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--config") configPath = value();
    else if (arg === "--database-url") databaseUrl = value();
    else if (arg === "--now") {
      const text = value();
      now = new Date(text);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO instant like 2026-03-15T06:00:00Z (got ${JSON.stringify(text)})`);
    } else if (arg === "--json") jsonPath = value();
    else if (arg === "--budget") {
      const text = value();
      budget = Number(text);
      if (!Number.isInteger(budget) || budget < 1 || budget > 5_000) throw new UsageError(`--budget must be a whole number of requests from 1 to 5000, DigitalOcean's hourly limit (got ${JSON.stringify(text)})`);
    } else if (arg === "--deadline-seconds") {
      const text = value();
      deadlineSeconds = Number(text);
      if (!Number.isInteger(deadlineSeconds) || deadlineSeconds * 1000 <= DEFAULT_DEADLINE_MARGIN_MS) {
        throw new UsageError(`--deadline-seconds must be a whole number of seconds above the ${DEFAULT_DEADLINE_MARGIN_MS / 1000} s kept free before the deadline (got ${JSON.stringify(text)})`);
      }
    } else if (arg === "--apply") apply = true;
    else if (arg === "--team") team = value();
    else if (arg === "--catalog") catalogPath = value();
    else if (arg === "--plan") planPath = value();
    else if (arg === "--month") {
      month = value();
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError(`--month must be YYYY-MM (got ${JSON.stringify(month)})`);
    }
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg} (see --help)`);
    else if (task !== undefined) throw new UsageError(`only one task at a time (got ${task} and ${arg})`);
    else if (TASK_NAMES.includes(arg)) task = arg as CliArgs["task"];
    else throw new UsageError(`unknown task ${JSON.stringify(arg)} (tasks: ${TASK_NAMES.join(", ")})`);
  }
  if (task === undefined) throw new UsageError(`name a task: ${TASK_NAMES.join(", ")}`);
  if (configPath === undefined) throw new UsageError("--config FILE is required");
  if (task === TEST_NOTIFY && databaseUrl !== undefined) throw new UsageError("test-notify uses no database; drop --database-url");
  if (jsonPath !== undefined && !(ACCOUNT_TASKS as readonly string[]).includes(task)) throw new UsageError("--json is for advise, cleanup, calibrate and reconcile");
  if (catalogPath !== undefined && task !== "calibrate") throw new UsageError("--catalog is for calibrate");
  if ((planPath !== undefined || month !== undefined) && task !== "reconcile") throw new UsageError("--plan and --month are for reconcile");
  if (task === "reconcile" && planPath === undefined) throw new UsageError("reconcile needs --plan FILE (write one with npm run plan -- --json FILE)");
  if (budget !== undefined && task !== "advise") throw new UsageError("--budget is for advise");
  if (apply && task !== "cleanup") throw new UsageError("--apply is for cleanup");
  if (team !== undefined && !(ACCOUNT_TASKS as readonly string[]).includes(task)) throw new UsageError(`--team is for advise, cleanup, calibrate and reconcile (${task} runs every team of the config)`);
  if (deadlineSeconds !== undefined && task === TEST_NOTIFY) throw new UsageError("test-notify reads no DigitalOcean and has no deadline; drop --deadline-seconds");
  return { task, configPath, ...(databaseUrl ? { databaseUrl } : {}), ...(now ? { now } : {}), ...(jsonPath ? { jsonPath } : {}), ...(budget ? { budget } : {}), ...(deadlineSeconds ? { deadlineSeconds } : {}), ...(apply ? { apply } : {}), ...(catalogPath ? { catalogPath } : {}), ...(planPath ? { planPath } : {}), ...(month ? { month } : {}), ...(team !== undefined ? { team } : {}) };
}

function loadConfig(path: string): TrackerConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseTrackerConfig(json);
}

/**
 * `test-notify`: the config's recipients, one test message each, a line per outcome. Email
 * goes through SMTP_URL; without it email recipients fail with that reason instead of the
 * whole command failing, so Slack and webhooks are still tested.
 */
async function testNotify(config: TrackerConfig, env: NodeJS.ProcessEnv, now: Date, out: (line: string) => void): Promise<number> {
  const recipients = configuredRecipients(config);
  if (recipients.length === 0) throw new UsageError("the config names no recipient (email, slack or webhook): nothing to test");
  const transports: Transports = {
    slack: createSlackTransport(),
    webhook: createWebhookTransport(),
    email: async () => {
      throw new Error("SMTP_URL is not set (export smtp://user:pass@host:port to reach email recipients)");
    },
  };
  let smtp: ReturnType<typeof createSmtpTransport> | undefined;
  if (env.SMTP_URL?.trim()) {
    try {
      smtp = createSmtpTransport({ url: env.SMTP_URL.trim(), from: config.email.from });
    } catch (error) {
      // The transport's messages name the problem, never the URL's password.
      throw new UsageError((error as Error).message);
    }
    transports.email = smtp.send;
  }
  try {
    out(`test-notify: sending a test message to ${recipients.length} recipient${recipients.length === 1 ? "" : "s"}`);
    const message = renderTestNotification({ sentAt: now, recipientCount: recipients.length, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) });
    const deliveries = await sendTestNotifications(recipients, message, transports);
    for (const line of formatTestReport(deliveries)) out(line);
    return deliveries.every((delivery) => delivery.delivered) ? 0 : 1;
  } finally {
    smtp?.close();
  }
}

/** What main hands every task over the account: its settings, delivery, where DigitalOcean is, and the migrated store. */
interface TaskContext {
  config: TrackerConfig;
  transports: Transports;
  baseUrl: string;
  /** The team worked on and its tokens. */
  account: AccountTaskTeam;
  db: SqlClient;
  out: (line: string) => void;
  /** The run's deadline (--deadline-seconds), or none. */
  deadline: RunDeadline;
  /** The run's per-token meters: budget, pacing and deadline shared by every client of a token. */
  meters: RunMeters;
}

/**
 * `advise` and `cleanup`: the account's resources rather than its bill. advise spends at most
 * --budget requests (every attempt counted, at most 200 a minute); cleanup reads with the
 * read-only token and writes only with --apply and the separate write-scoped token, through a
 * client that never retries (a lost answer is checked on the next run, never repeated).
 */
async function accountTask(args: CliArgs & { task: AccountTask }, { config, transports, baseUrl, account, db, out, deadline, meters }: TaskContext): Promise<number> {
  const now = args.now ?? new Date();
  const { team, token, cleanupToken } = account;
  const store = new AdviceStore(db, team.name);
  const read = new DigitalOceanClient({ token, baseUrl, meter: meters.forToken(token) });
  let document: unknown;
  if (args.task === "advise") {
    const requests = meters.forToken(token);
    const result = await advise({ api: read, store, catalog: defaultCatalog, settings: config.advice, now, requests, deadline });
    const advice = adviceDocument(result.suggestions, now);
    for (const line of formatAdvice(advice, result.suggestions.filter((s) => s.dismissed).length)) out(line);
    const { analysed, waiting, stopped } = result.metrics;
    const why = stopped === "deadline" ? "; stopped at the deadline (--deadline-seconds), progress saved" : stopped === "another-run" ? "; another run is reading metrics" : "";
    out(`DigitalOcean requests: ${requests.sent()} of ${requests.budget}; utilisation read for ${analysed} resource(s)${why}, ${waiting} waiting for a later run`);
    document = advice;
  } else {
    // accountTaskTeam refused --apply without the write-scoped token.
    const apply = args.apply && cleanupToken ? { write: new DigitalOceanClient({ token: cleanupToken, baseUrl, maxRetries: 0, meter: meters.forToken(cleanupToken) }) } : undefined;
    // Without --apply nothing is sent, not even a preview: the report lists what would be.
    const report = await cleanup({
      read,
      ...(apply ? { ...apply, send: { outbox: new CostStore(db, team.name), transports } } : {}),
      store,
      settings: config.cleanup,
      audience: { recipients: team.recipients, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}), ...teamSubject(team) },
      now,
      deadline,
    });
    for (const line of formatCleanup(report)) out(line);
    document = report;
  }
  writeJson(args.jsonPath, document, team);
  return 0;
}

/** Writes --json's document; with teams it names the team it is about, first. */
function writeJson(path: string | undefined, document: unknown, team: TeamConfig): void {
  if (path === undefined) return;
  const labelled = team.implicit ? document : { team: team.name, ...(document as object) };
  writeFileSync(path, `${JSON.stringify(labelled, null, 2)}\n`);
}

/** Reads and parses a JSON file named by an option; errors name the option and file, never the content. */
function readJsonFile(option: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * `calibrate` and `reconcile`: the estimates checked against the bill. calibrate notifies the
 * config's default recipients (delivered at once through the same transports as check);
 * reconcile only reports and stores.
 */
async function billCheckTask(args: CliArgs & { task: "calibrate" | "reconcile" }, { config, transports, baseUrl, account, db, out, meters }: TaskContext): Promise<number> {
  const now = args.now ?? new Date();
  const { team, token } = account;
  const api = new DigitalOceanClient({ token, baseUrl, meter: meters.forToken(token) });
  let document: unknown;
  if (args.task === "calibrate") {
    let catalog = defaultCatalog;
    if (args.catalogPath) {
      try {
        catalog = createPriceCatalog(readJsonFile("--catalog", args.catalogPath));
      } catch (error) {
        throw error instanceof UsageError ? error : new UsageError(`--catalog ${args.catalogPath}: ${(error as Error).message}`);
      }
    }
    const result = await runCalibration({ api, db, catalog, recipients: team.recipients, team: { name: team.name, ...teamSubject(team) }, now, transports, ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}) });
    for (const line of formatCalibration(result)) out(line);
    document = calibrationJson(result);
  } else {
    let plan: PlanJson;
    try {
      plan = parsePlanJson(readJsonFile("--plan", args.planPath as string), args.planPath as string);
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError((error as Error).message);
    }
    const result = await runReconciliation({ api, db, plan, now, team: team.name, ...(args.month ? { billingMonth: args.month } : {}) });
    for (const line of formatReconciliation(result)) out(line);
    document = { version: 1, ...result };
  }
  writeJson(args.jsonPath, document, team);
  return 0;
}

/** What a run of a config with teams did, a line per team and the organisation's figures. */
function teamsSummary(result: RunResult): string {
  const lines: string[] = [];
  for (const outcome of result.teams) {
    if (outcome.status === "failed") lines.push(`team ${outcome.team}: FAILED: ${outcome.error}`);
    else if (outcome.status === "waiting") lines.push(`team ${outcome.team}: waiting: ${outcome.why}`);
    else if (outcome.result.task === "history") lines.push(`team ${outcome.team}: history: ${outcome.result.history.daysWritten} days written for ${outcome.result.history.months.join(", ") || "no month"}`);
    else {
      const { check } = outcome.result;
      const fired = [...check.fired.thresholds, ...(check.fired.forecast ? [check.fired.forecast] : []), ...check.fired.spikes, ...check.apps.fired];
      lines.push(`team ${outcome.team}: month to date $${check.monthToDate.usd.toFixed(2)} (${check.monthToDate.source}); alerts fired: ${fired.length === 0 ? "none" : fired.join(", ")}`);
    }
  }
  const { organization } = result;
  if (organization) {
    lines.push(`organisation: month to date $${organization.monthToDateUsd.toFixed(2)} (sum of the teams); alerts fired: ${organization.fired.length === 0 ? "none" : organization.fired.join(", ")}`);
    if (organization.summaryRowsEnqueued > 0) lines.push(`organisation weekly summary: ${organization.summaryRowsEnqueued} notification(s) enqueued`);
  }
  lines.push(`notifications: ${result.delivery.pending} pending after the run`);
  return lines.join("\n");
}

function summary(result: TaskResult): string {
  if (result.task === "history") return `history: ${result.history.daysWritten} days written for ${result.history.months.join(", ") || "no month"}`;
  const { check } = result;
  const fired = [...check.fired.thresholds, ...(check.fired.forecast ? [check.fired.forecast] : []), ...check.fired.spikes];
  const lines = [
    `month to date: $${check.ingest.monthToDateUsd.toFixed(2)} (${check.ingest.billingMonth})`,
    `projected month end: $${check.forecast.projectedUsd.toFixed(2)} (${check.forecast.method})`,
    `alerts fired: ${fired.length === 0 ? "none" : fired.join(", ")}`,
    `notifications: ${check.delivery.delivered} delivered, ${check.delivery.failed} failed, ${check.delivery.pending} pending`,
  ];
  if (result.task !== "check") lines.push(`${result.task} report: ${result.reportRowsEnqueued} notification(s) enqueued; ${result.delivery.delivered} delivered, ${result.delivery.pending} pending`);
  return lines.join("\n");
}

/** Runs the CLI; returns the exit status. Exported for in-process tests. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let db: SqlClient | undefined;
  let smtpClose: (() => void) | undefined;
  // The deadline counts from the start, as an activation's does; --now moves the tracker's calendar, not this clock.
  const startedAt = Date.now();
  try {
    const args = parseArgs(argv);
    if (args === "help" || args === "test-notify-help") {
      out(args === "help" ? HELP : TEST_NOTIFY_HELP);
      return 0;
    }
    const config = loadConfig(args.configPath);
    if (args.task === TEST_NOTIFY) return await testNotify(config, env, args.now ?? new Date(), out);
    const accountTaskName = (ACCOUNT_TASKS as readonly string[]).includes(args.task) ? (args.task as AccountTask) : undefined;
    // An account task reads one team's tokens only; the tracker tasks every team's (and the organisation's).
    const tokens: { account: AccountTaskTeam } | { credentials: TeamCredentials } = accountTaskName
      ? { account: accountTaskTeam(config, env, accountTaskName, args.team, args.apply ?? false) }
      : { credentials: credentialsFromEnv(config, env) };
    const log: TrackerLog = { info: (line) => err(`tracker: ${line}`), warn: (line) => err(`tracker: warning: ${line}`) };
    const baseUrl = env.DIGITALOCEAN_API_URL?.trim() || "https://api.digitalocean.com";
    const transports: Transports = { slack: createSlackTransport(), webhook: createWebhookTransport() };
    if (env.SMTP_URL?.trim()) {
      const smtp = createSmtpTransport({ url: env.SMTP_URL.trim(), from: config.email.from });
      transports.email = smtp.send;
      smtpClose = smtp.close;
    }
    const databaseUrl = args.databaseUrl ?? env.DATABASE_URL;
    db = await connectStoreClient({ ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...(env.EMBEDDED_POSTGRES_DIR ? { EMBEDDED_POSTGRES_DIR: env.EMBEDDED_POSTGRES_DIR } : {}) });
    await migrate(db);
    const deadline = args.deadlineSeconds ? runDeadline(deadlineAfterSeconds(args.deadlineSeconds, startedAt)) : NO_DEADLINE;
    // advise spends its budget; every other task is bounded by the account, so only DigitalOcean's hourly limit caps it.
    const budget = args.task === "advise" ? args.budget ?? config.advice.requestBudget : DIGITALOCEAN_REQUESTS_PER_HOUR;
    const meters = new RunMeters({ budget, perMinute: DEFAULT_REQUESTS_PER_MINUTE, deadline });
    if ("account" in tokens) {
      const context: TaskContext = { config, transports, baseUrl, account: tokens.account, db, out, deadline, meters };
      if (args.task === "calibrate" || args.task === "reconcile") return await billCheckTask({ ...args, task: args.task }, context);
      return await accountTask({ ...args, task: args.task as AccountTask }, context);
    }
    const { credentials } = tokens;
    // Each token gets its own client and meter: DigitalOcean's limits are per token.
    const clientOf = (token: string) =>
      new DigitalOceanClient({
        token,
        baseUrl,
        meter: meters.forToken(token),
        onProgress: (event) => {
          if (event.kind === "page" && event.page > 1) log.info(`${event.path}: page ${event.page}, ${event.itemsSoFar}${event.total ? `/${event.total}` : ""} items`);
          if (event.kind === "retry") log.warn(`${event.method} ${event.path}: ${event.reason}, retry ${event.attempt} in ${event.delayMs} ms`);
        },
      });
    const teamClients = new Map(credentials.teams.flatMap((team) => (team.readToken ? [[team.team, clientOf(team.readToken)] as const] : [])));
    const result = await runTracker(args.task as TrackerTask, {
      teamClients,
      ...(credentials.organizationToken ? { organizationClient: clientOf(credentials.organizationToken) } : {}),
      db,
      transports,
      now: args.now ?? new Date(),
      config,
      log,
      deadline,
    });
    if (config.teams[0]!.implicit) {
      const only = result.teams[0]!;
      if (only.status !== "done") throw new Error(`the run of team ${only.team} did not finish`);
      out(summary(only.result));
      return 0;
    }
    out(teamsSummary(result));
    // Every team failed: nothing was tracked, so the run failed; some teams failing is in the lines above.
    return result.teams.length > 0 && result.teams.every((team) => team.status === "failed") ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof TrackerConfigError) {
      err(`tracker: ${error.message}`);
      return 2;
    }
    if (error instanceof DigitalOceanApiError) {
      err(`tracker: could not read DigitalOcean (${error.message}). Nothing from this run was written; the next run catches up. Check DIGITALOCEAN_API_URL, the token's scopes and https://status.digitalocean.com.`);
      return 1;
    }
    err(`tracker: the run failed: ${(error as Error).message}. Nothing half-written was kept (the ingest commits in one transaction); fix the cause and rerun.`);
    return 1;
  } finally {
    smtpClose?.();
    await db?.close().catch(() => undefined);
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`tracker: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
