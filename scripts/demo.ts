/**
 * `npm run demo`: see the tracker and its dashboard without a DigitalOcean account.
 *
 * Starts a local stand-in of the DigitalOcean API (the spec-validated fake the tests use) seeded
 * with a restaurant platform's March 2026 (tests/support/fake-do-api/demo-month.ts), replays the
 * month with the real tracker (`history`, then a `check` every few hours, `daily` at 07:00, with
 * its upkeep (the savings advisor and a clean-up dry run) once a week, and `weekly` on Mondays) on the CLI's embedded PostgreSQL in a
 * fresh temporary directory, reconciles `npm run plan`'s estimate of examples/restaurant-platform
 * with February's bill (`tracker reconcile`), and serves the dashboard on 127.0.0.1 with a
 * generated password. Notifications go to a webhook receiver the demo runs itself; there is no
 * email and no Slack. Nothing addresses a host off loopback. Ctrl-C stops everything and deletes
 * the temporary directory.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_REQUEST_BUDGET } from "../core/advice/request-budget";
import { daysBetween, isoDate } from "../core/calendar";
import { formatUsd } from "../core/money";
import { defaultCatalog } from "../core/pricing";
import { DEFAULT_DASHBOARD_USERNAME } from "../functions/src/dashboard/web-action";
import { DigitalOceanClient } from "../functions/src/digitalocean/client";
import { createWebhookTransport } from "../functions/src/notify/webhook";
import { AdviceStore } from "../functions/src/store/advice-store";
import { CalibrationStore } from "../functions/src/store/calibration-store";
import { CostStore } from "../functions/src/store/cost-store";
import { migrate } from "../functions/src/store/migrations";
import { connectStoreClient } from "../functions/src/store/open-store";
import { parseTrackerConfig, type TrackerConfig } from "../functions/src/tracker/config";
import { handle, type TaskResult, type TrackerTask } from "../functions/src/tracker/handle";
import type { TrackerLog } from "../functions/src/tracker/ingest";
import { parsePlanJson, runReconciliation } from "../functions/src/tracker/reconcile";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../tests/support/fake-do-api";
import {
  DEMO_BANDWIDTH_ALLOWANCE_GIB,
  DEMO_BUDGET_USD,
  DEMO_MONTH,
  DEMO_MONTH_START,
  DEMO_NOW,
  advanceDemoAccount,
  createDemoScenario,
} from "../tests/support/fake-do-api/demo-month";
import { startHttpReceiver, type HttpReceiver } from "../tests/support/http-receiver";
import { loadDigitalOceanSpec } from "../tests/support/openapi";
import { serveDashboardLocally, type LocalDashboard } from "./lib/demo/serve-dashboard";

/** What `--help` prints. */
export const DEMO_HELP = `Usage: npm run demo [-- [--port N] [--every HOURS]]

Shows do-cost-guard on a made-up restaurant platform, with no DigitalOcean account:
a local stand-in of the DigitalOcean API (every answer checked against DigitalOcean's OpenAPI
spec), the tracker replaying March 2026 on an embedded database in a temporary directory, and
the dashboard on http://127.0.0.1 with a generated password. Nothing leaves this machine.

Options:
  --port N       dashboard port on 127.0.0.1 (default: any free port)
  --every HOURS  hours between replayed checks: 1, 2, 3, 4, 6 or 12 (default 12; 1 is the
                 hourly schedule of a real deployment and takes several times longer)
  -h, --help     this text

Ctrl-C stops it and deletes the temporary directory.`;

/**
 * Default hours between replayed checks. Each run costs the embedded database tens of
 * milliseconds; twice a day (07:00 and 19:00 UTC) keeps start-up short and still lands a
 * check inside the memory incident and one after it.
 */
export const DEMO_CHECK_EVERY_HOURS = 12;
/**
 * Cadences that divide 12 hours: the checks are counted back from the demo's last instant
 * (19:00), so each of these also runs at the 07:00 report hour.
 */
const CADENCES = [1, 2, 3, 4, 6, 12];
/**
 * Hour (UTC) of the `daily` run, and on Mondays also the `weekly` one: the stack's default
 * schedules (config.ts DEFAULT_SCHEDULES, daily "0 7 * * *", weekly "0 7 * * 1").
 */
const REPORT_HOUR_UTC = 7;
/**
 * Days between the replay's runs of the daily upkeep (the savings advisor and the clean-up),
 * counted back from the last day so the page shows that day's advice and marks. A deployment runs
 * it every day; weekly finds the same waste in a month's replay (a droplet off since the 7th is off
 * three weeks on the 28th), the last run (the 28th) falls inside the expiring droplet's notice
 * window (from the 27th), and start-up stays short: each run reads the whole inventory and its metrics.
 */
export const DEMO_ADVISE_EVERY_DAYS = 7;
/** Webhook paths on the demo's own receiver, one per kind of notification. */
const WEBHOOK_PATHS = { thresholds: "/thresholds", forecast: "/forecast", spikes: "/spikes", apps: "/apps", daily: "/daily", weekly: "/weekly", cleanup: "/cleanup" } as const;

/** Options for {@link startDemo}. */
export interface DemoOptions {
  /** Dashboard port on 127.0.0.1; 0 (default) lets the OS pick. */
  port?: number;
  /** Hours between replayed checks, one of 1, 2, 3, 4, 6, 12 (default {@link DEMO_CHECK_EVERY_HOURS}). */
  checkEveryHours?: number;
  /** Progress lines while the month is replayed. */
  log?: (line: string) => void;
  /** Aborting it (Ctrl-C during start-up) stops at the next run and cleans up; startDemo then rejects. */
  signal?: AbortSignal;
}

/** What the replay did, for the start-up message and tests. */
export interface DemoReplay {
  month: string;
  /** The instant the dashboard shows the account at. */
  now: Date;
  /** Tracker runs, `history` included. */
  runs: number;
  monthToDateUsd: number;
  budgetUsd: number;
  /** Alert keys fired, in the order they fired. */
  fired: string[];
  /** Notifications the demo's webhook receiver got. */
  webhooksReceived: number;
  /** What the last advise run found: suggestions and their monthly savings. */
  savings: { suggestions: number; monthlyUsd: number };
  /** Resources the clean-up dry run marked (apply off: previews sent, nothing changed). */
  cleanup: { marked: number };
  /** The reconciled stack and month, or why there is none (the plan failed). */
  stack: { tag: string; month: string; estimatedUsd: number; billedUsd: number } | { error: string };
}

/** A running demo; `stop` is idempotent. */
export interface RunningDemo {
  /** The dashboard, e.g. `http://127.0.0.1:43117/`. */
  url: string;
  username: string;
  /** Generated for this run: a throwaway for a page that only listens on loopback. */
  password: string;
  /** The DigitalOcean stand-in's base URL. */
  apiUrl: string;
  /** The temporary directory holding the embedded database; removed by `stop`. */
  dataDir: string;
  replay: DemoReplay;
  /** Milliseconds from `startDemo` to ready. */
  readyMs: number;
  /** Where that went: until the embedded database was created, started and migrated, then the replay. */
  timings: { storeReadyMs: number; replayMs: number };
  stop(): Promise<void>;
}

/**
 * The demo's tracker config: every notification goes to the demo's own loopback receiver.
 * Clean-up is on as a dry run (apply off): it marks the `expires:`-tagged droplet and sends its
 * preview to the top-level recipients, the receiver's `/cleanup`; nothing is changed.
 */
export function demoTrackerConfig(receiverUrl: string, dashboardUrl: string, accountUrn: string, app: { name: string; id: string }): TrackerConfig {
  const hook = (path: string) => [`${receiverUrl}${path}`];
  return parseTrackerConfig({
    budgetMonthlyUsd: DEMO_BUDGET_USD,
    recipients: { webhook: hook(WEBHOOK_PATHS.cleanup) },
    thresholds: [100, 200, 300, 400].map((amountUsd) => ({ amountUsd, webhook: hook(WEBHOOK_PATHS.thresholds) })),
    forecast: { enabled: true, webhook: hook(WEBHOOK_PATHS.forecast) },
    spikes: { enabled: true, webhook: hook(WEBHOOK_PATHS.spikes) },
    reports: { daily: { enabled: true, webhook: hook(WEBHOOK_PATHS.daily) }, weekly: { enabled: true, webhook: hook(WEBHOOK_PATHS.weekly) } },
    units: { name: "active restaurant", source: { kind: "count", value: 140 } },
    accountUrn,
    dashboardUrl,
    apps: [{ name: app.name, appId: app.id, memoryThresholdPercent: 80, window: "1h", bandwidthAllowanceGiBPerDay: DEMO_BANDWIDTH_ALLOWANCE_GIB, webhook: hook(WEBHOOK_PATHS.apps) }],
    cleanup: { enabled: true, apply: false },
  });
}

/** The repository's root: where the plan runs examples/restaurant-platform from. */
const REPO_ROOT = join(__dirname, "..");
/** The example whose plan the demo reconciles with the bill (the demo account runs it as stack `prod`). */
export const DEMO_PLAN_PROGRAM = "examples/restaurant-platform";

/**
 * `npm run plan -- --program examples/restaurant-platform --json <file>` in its own process, as
 * a user runs it; resolves with the file's path, rejects with the end of its output on failure.
 */
function runPlan(file: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", join(REPO_ROOT, "scripts/register-typescript.js"), "scripts/plan.ts", "--program", DEMO_PLAN_PROGRAM, "--json", file], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      ...(signal ? { signal } : {}),
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-2000)));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(file) : reject(new Error(`npm run plan exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`))));
  });
}

/** The tasks the stack's schedules run at `now`: `daily` at the report hour (Mondays `weekly` first), else `check`. */
function scheduledTasks(now: Date): TrackerTask[] {
  if (now.getUTCHours() !== REPORT_HOUR_UTC) return ["check"];
  return now.getUTCDay() === 1 ? ["weekly", "daily"] : ["daily"];
}

function firedBy(result: TaskResult): string[] {
  if (result.task === "history") return [];
  const { fired, apps } = result.check;
  return [...fired.thresholds, ...(fired.forecast ? [fired.forecast] : []), ...fired.spikes, ...apps.fired];
}

/**
 * Starts the fake API, replays the month into a fresh embedded database and serves the
 * dashboard. On any failure everything started so far is stopped and the directory removed.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const started = Date.now();
  const say = options.log ?? (() => undefined);
  const everyHours = options.checkEveryHours ?? DEMO_CHECK_EVERY_HOURS;
  if (!CADENCES.includes(everyHours)) throw new Error(`checkEveryHours must be one of ${CADENCES.join(", ")} (got ${everyHours})`);
  const dataDir = mkdtempSync(join(tmpdir(), "do-cost-guard-demo-"));
  // The embedded database takes the longest to start (initdb, then the server): start it
  // first and prepare everything else meanwhile. Throwaway data: no fsync.
  const dbReady = connectStoreClient({ EMBEDDED_POSTGRES_DIR: dataDir }, { durable: false });
  let fake: FakeDigitalOcean | undefined;
  let receiver: HttpReceiver | undefined;
  let dashboard: LocalDashboard | undefined;
  let stopped: Promise<void> | undefined;
  // Ends the plan's process if the demo stops (or fails) before it is done.
  const children = new AbortController();
  options.signal?.addEventListener("abort", () => children.abort(), { once: true });
  const stop = () =>
    (stopped ??= (async () => {
      children.abort();
      await dashboard?.close().catch(() => undefined);
      await dbReady.then((db) => db.close()).catch(() => undefined);
      await Promise.all([fake?.close().catch(() => undefined), receiver?.close().catch(() => undefined)]);
      rmSync(dataDir, { recursive: true, force: true });
    })());

  try {
    // The plan runs in its own process while the database starts and the month replays.
    const planned = runPlan(join(dataDir, "plan.json"), children.signal).then(
      (file) => file,
      (error: Error) => error,
    );
    const scenario = createDemoScenario();
    const app = scenario.state.apps[0];
    if (!app?.id) throw new Error("demo: the seeded account has no App Platform app");
    const appWatch = { name: app.spec.name, id: app.id };
    const token = randomBytes(24).toString("hex");
    let clock = DEMO_MONTH_START;
    [fake, receiver] = await Promise.all([startFakeDigitalOcean({ state: scenario.state, token, now: () => clock }), startHttpReceiver()]);
    // Parsed once per process; doing it now overlaps it with the database's start.
    loadDigitalOceanSpec();
    const db = await dbReady;
    options.signal?.throwIfAborted();
    await migrate(db);
    const store = new CostStore(db);
    const storeReadyMs = Date.now() - started;

    const password = randomBytes(18).toString("base64url");
    const username = DEFAULT_DASHBOARD_USERNAME;
    let config: TrackerConfig | undefined;
    const advice = new AdviceStore(db);
    const calibration = new CalibrationStore(db);
    dashboard = await serveDashboardLocally(options.port ?? 0, () => ({
      store,
      auth: { username, password },
      // The page shows the account as of the replay's last run, not today's date.
      now: DEMO_NOW,
      budgetMonthlyUsd: DEMO_BUDGET_USD,
      configThresholds: (config?.thresholds ?? []).map((threshold) => ({ id: threshold.id, amountUsd: threshold.amountUsd })),
      timeZone: config?.timeZone ?? "UTC",
      advice,
      calibration,
      cleanup: advice,
      ...(config ? { cleanupMode: { enabled: config.cleanup.enabled, apply: config.cleanup.apply } } : {}),
      log: (line) => say(line),
    }));
    config = demoTrackerConfig(receiver.baseUrl, dashboard.url, scenario.state.accountUrn, appWatch);

    const client = new DigitalOceanClient({ token, baseUrl: fake.url, timeoutMs: 10_000 });
    // Tracker lines are per run and many; warnings are what the demo's user should see.
    const log: TrackerLog = { info: () => undefined, warn: (line) => say(`tracker: warning: ${line}`) };
    const transports = { webhook: createWebhookTransport({ timeoutMs: 5_000 }) };
    // The daily run's upkeep as deployed: clean-up (a dry run: no write client, apply off) and the
    // savings advisor; calibration stays off here. The demo's stand-in is local and unmetered: the
    // advisor plans within the default budget each run.
    const upkeep = { catalog: defaultCatalog, cleanup: { read: client }, advice: { api: client, requests: { budget: DEFAULT_REQUEST_BUDGET, sent: () => 0 } } };
    const advisesOn = (now: Date) => daysBetween(isoDate(now), isoDate(DEMO_NOW)) % DEMO_ADVISE_EVERY_DAYS === 0;
    const run = async (task: TrackerTask, now: Date) => {
      options.signal?.throwIfAborted();
      clock = now;
      advanceDemoAccount(scenario, now);
      return handle(task, { client, db, transports, now, config: config!, log, ...(task === "daily" && advisesOn(now) ? { upkeep } : {}) });
    };

    say(`replaying ${DEMO_MONTH} on a local DigitalOcean stand-in (${fake.url}), a check every ${everyHours} h…`);
    let runs = 1;
    await run("history", DEMO_MONTH_START);
    const fired: string[] = [];
    let monthToDateUsd = 0;
    // Counted back from the last instant, so every cadence also runs at the report hour.
    const firstCheck = DEMO_MONTH_START.getTime() + ((DEMO_NOW.getTime() - DEMO_MONTH_START.getTime()) % (everyHours * 3_600_000));
    for (let t = firstCheck; t <= DEMO_NOW.getTime(); t += everyHours * 3_600_000) {
      const now = new Date(t);
      for (const task of scheduledTasks(now)) {
        const result = await run(task, now);
        runs += 1;
        if (result.task !== "history") monthToDateUsd = result.check.ingest.monthToDateUsd;
        for (const key of firedBy(result)) {
          fired.push(key);
          say(`  ${now.toISOString().slice(0, 16).replace("T", " ")} UTC  fired ${key}`);
        }
      }
    }
    // February is the latest closed invoice: the month the example's plan is held against.
    const planFile = await planned;
    let stack: DemoReplay["stack"];
    if (planFile instanceof Error) {
      stack = { error: planFile.message };
      say(`stacks: ${planFile.message}`);
    } else {
      const plan = parsePlanJson(JSON.parse(readFileSync(planFile, "utf8")), planFile);
      const reconciled = await runReconciliation({ api: client, db, plan, now: DEMO_NOW });
      stack = { tag: reconciled.stackTag, month: reconciled.billingMonth, estimatedUsd: reconciled.estimatedUsd, billedUsd: reconciled.billedUsd };
    }
    const suggestions = (await advice.listSuggestions()).filter((s) => !s.dismissed && s.rule !== "untagged");
    const marked = (await advice.cleanupMarks(DEMO_NOW)).filter((mark) => mark.state !== "skipped").length;
    if (fake.validationErrors.length > 0) {
      throw new Error(`the DigitalOcean stand-in saw ${fake.validationErrors.length} answer(s) outside DigitalOcean's spec, first: ${fake.validationErrors[0]}`);
    }
    const readyMs = Date.now() - started;
    return {
      url: dashboard.url,
      username,
      password,
      apiUrl: fake.url,
      dataDir,
      replay: {
        month: DEMO_MONTH,
        now: DEMO_NOW,
        runs,
        monthToDateUsd,
        budgetUsd: DEMO_BUDGET_USD,
        fired,
        webhooksReceived: receiver.requests.length,
        savings: { suggestions: suggestions.length, monthlyUsd: suggestions.reduce((sum, s) => sum + (s.monthlySavingsUsd ?? 0), 0) },
        cleanup: { marked },
        stack,
      },
      readyMs,
      timings: { storeReadyMs, replayMs: readyMs - storeReadyMs },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The start-up message; the URL, username and password lines are what tests read. */
export function readyMessage(demo: RunningDemo): string {
  const { replay } = demo;
  const at = replay.now.toISOString().slice(0, 16).replace("T", " ");
  return [
    "",
    `do-cost-guard demo: a restaurant platform's ${replay.month}, replayed by the tracker (${replay.runs} runs) against a local DigitalOcean stand-in.`,
    `  month to date at ${at} UTC: ${formatUsd(replay.monthToDateUsd)} of a ${formatUsd(replay.budgetUsd)} budget`,
    `  alerts fired: ${replay.fired.length} (${replay.fired.join(", ")})`,
    `  notifications: ${replay.webhooksReceived} webhook(s) received by the demo's own receiver on 127.0.0.1`,
    `  savings advisor: ${replay.savings.suggestions} suggestion(s), ${formatUsd(replay.savings.monthlyUsd)}/month`,
    `  clean-up (a dry run: previews only, nothing changed): ${replay.cleanup.marked} resource(s) marked by their expires: tag`,
    "error" in replay.stack
      ? `  stacks: not reconciled (${replay.stack.error})`
      : `  stacks: ${replay.stack.tag} in ${replay.stack.month}, estimated ${formatUsd(replay.stack.estimatedUsd)}, billed ${formatUsd(replay.stack.billedUsd)} (npm run plan of ${DEMO_PLAN_PROGRAM} against the bill)`,
    "",
    `Dashboard: ${demo.url}`,
    `  username: ${demo.username}`,
    // Deliberately printed: it is generated for this run and the page only listens on loopback.
    `  password: ${demo.password}`,
    "",
    `Ready in ${(demo.readyMs / 1000).toFixed(1)} s (database ${(demo.timings.storeReadyMs / 1000).toFixed(1)} s, replay ${(demo.timings.replayMs / 1000).toFixed(1)} s). Press Ctrl-C to stop; the temporary database (${demo.dataDir}) is deleted.`,
  ].join("\n");
}

/** A bad command line; the message names the option and quotes the bad value. */
export class DemoUsageError extends Error {}

/** The demo's command line: `--port N`, `--every HOURS`, or "help" for `-h`/`--help`. */
export function parseDemoArgs(argv: readonly string[]): { port: number; checkEveryHours: number } | "help" {
  let port = 0;
  let checkEveryHours = DEMO_CHECK_EVERY_HOURS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "--port") {
      const text = argv[++i];
      const value = Number(text);
      if (text === undefined || !/^\d+$/.test(text) || value > 65_535) throw new DemoUsageError(`--port must be a port number 0-65535 (got ${JSON.stringify(text ?? "")})`);
      port = value;
    } else if (arg === "--every") {
      const text = argv[++i];
      const value = Number(text);
      if (text === undefined || !CADENCES.includes(value)) throw new DemoUsageError(`--every must be one of ${CADENCES.join(", ")} hours (got ${JSON.stringify(text ?? "")})`);
      checkEveryHours = value;
    } else throw new DemoUsageError(`unknown option ${JSON.stringify(arg)} (see --help)`);
  }
  return { port, checkEveryHours };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseDemoArgs>;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (args === "help") {
    process.stdout.write(`${DEMO_HELP}\n`);
    return;
  }
  // Ctrl-C is handled from the start: during start-up it aborts the replay, which cleans up.
  const aborted = new AbortController();
  let demo: RunningDemo | undefined;
  const shutdown = (signal: string) => {
    process.stdout.write(`\n${signal}: stopping the demo…\n`);
    if (!demo) return aborted.abort(new Error(`${signal} during start-up`));
    demo.stop().then(
      () => {
        process.stdout.write("demo stopped; temporary data removed.\n");
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`demo: stopping failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  try {
    demo = await startDemo({ port: args.port, checkEveryHours: args.checkEveryHours, log: (line) => process.stdout.write(`${line}\n`), signal: aborted.signal });
  } catch (error) {
    if (!aborted.signal.aborted) throw error;
    process.stdout.write("demo stopped before it was ready; temporary data removed.\n");
    process.exit(0);
  }
  process.stdout.write(`${readyMessage(demo)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
