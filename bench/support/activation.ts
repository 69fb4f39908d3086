/**
 * The deployed tracker action, run the way DigitalOcean Functions runs it, for the benchmarks
 * that measure it (tracker-action.bench.ts, organization.bench.ts). The action is built by
 * functions/build.ts (the bundle that is uploaded), and every activation is a fresh Node
 * process that loads the bundle and calls its `main` with the parameters OpenWhisk passes (the
 * action's bound parameters merged with the scheduled trigger's body) and `__OW_*` in the
 * environment, `__OW_DEADLINE` the timeout the stack deploys the action with
 * (core/functions-limits.ts DEFAULT_TRACKER_TIMEOUT_SECONDS) unless told otherwise.
 *
 * The process's clock is set to the activation's instant, so a month's first check back-fills
 * the same days whatever today is. Two things a benchmark may ask of it besides:
 *
 * - `tokenLabels`: the child records every request it sends, by its token's label (never the
 *   token) and its instant on the activation's clock, for per-token rates (busiest minute).
 * - `skipWaits`: waits that are pure idling (a promise resolved by a timer of 100 ms or more:
 *   the request pacer's turn, a retry's backoff, the rate-limit slow-down) end at once and the
 *   activation's clock jumps to when they would have ended, so a run that spends minutes
 *   waiting for its per-minute cap is measured in seconds, its deadline and pacer seeing the
 *   time they would have seen. The clock only ever moves forward to a wait's end, so waits that
 *   overlap count once. The figure is exact for waits nothing else runs beside; work that runs
 *   beside one (another list of the same check) is counted after it, so the wall time is an
 *   upper bound. Timers with a callback of their own (request timeouts, the pool's idle timer)
 *   run on the real clock, untouched.
 *
 * Peak memory is the child's own resident high-water mark (VmHWM) read at its end, before its
 * pool closes; the Postgres side is the backends that served the activation's database, sampled
 * while it runs (bench/support/memory.ts `sampleProcessPeaks`).
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { DEFAULT_TRACKER_TIMEOUT_SECONDS } from "../../core/functions-limits";
import { buildFunctions, type BuiltAction } from "../../functions/build";
import { startEmbeddedPostgres } from "../../functions/src/store/embedded-postgres";
import { createTestDatabase, postgresAnswers, testPostgresAdminUrl, TEST_POSTGRES_ADMIN_URL_ENV } from "../../tests/support/postgres";
import { sampleProcessPeaks } from "./memory";

/** The line the child prints its result on, after whatever the action logged. */
const RESULT_MARK = "BENCH-ACTIVATION ";

/**
 * One activation: a fresh `node` that fixes the clock, sets what OpenWhisk sets, loads the
 * bundle and calls `main(params)` once, then prints the answer, its times, its VmHWM and its
 * requests. Plain JavaScript: the platform runs no TypeScript, and nothing but the bundle is loaded.
 */
const ACTIVATION = `
const { readFileSync } = require("node:fs");
const [bundle, paramsJson, nowMs, timeoutMs, skipWaits, labelsJson] = process.argv.slice(1);
const RealDate = Date;
const realStarted = RealDate.now();
const offset = Number(nowMs) - realStarted;
let skippedMs = 0;
const now = () => RealDate.now() + offset + skippedMs;
globalThis.Date = class extends RealDate { constructor(...args) { if (args.length === 0) super(now()); else super(...args); } static now() { return now(); } };
if (skipWaits === "1") {
  const realSetTimeout = globalThis.setTimeout;
  // A promise's own resolver is native and anonymous: a timer that only resolves one is an idle wait.
  const isResolver = (callback) => typeof callback === "function" && callback.name === "" && /\\[native code\\]/.test(Function.prototype.toString.call(callback));
  globalThis.setTimeout = function (callback, ms, ...args) {
    if (!(Number(ms) >= 100) || !isResolver(callback)) return realSetTimeout(callback, ms, ...args);
    const until = now() + Number(ms);
    return realSetTimeout(() => { const left = until - now(); if (left > 0) skippedMs += left; callback(...args); }, 0);
  };
}
const labels = JSON.parse(labelsJson);
const requests = [];
const realFetch = globalThis.fetch;
const started = now();
globalThis.fetch = function (input, init) {
  const authorization = init && init.headers && !(init.headers instanceof Headers) ? init.headers.authorization : undefined;
  const token = typeof authorization === "string" ? authorization.replace(/^Bearer /, "") : "";
  const path = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url).pathname;
  requests.push([labels[token] ?? "(other)", now() - started, path]);
  return realFetch(input, init);
};
process.env.__OW_DEADLINE = String(now() + Number(timeoutMs));
process.env.__OW_ACTION_NAME = "/bench/cost-tracker/tracker";
process.env.__OW_NAMESPACE = "bench";
process.env.__OW_ACTIVATION_ID = "0".repeat(32);
require(bundle).main(JSON.parse(paramsJson)).then(async (answer) => {
  const ms = now() - started;
  const realMs = RealDate.now() - realStarted;
  const peakKb = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
  await require(bundle).closeWarmState();
  process.stdout.write(${JSON.stringify(RESULT_MARK)} + JSON.stringify({ answer, ms, realMs, skippedMs, peakBytes: peakKb * 1024, requests }) + "\\n");
});
`;

/** A request the activation sent: its token's label, when (in ms from the activation's start, on its clock) and its path (no query: never a secret). */
export interface SentRequest {
  label: string;
  atMs: number;
  path: string;
}

/** What one activation measured. */
export interface Activation<Answer> {
  answer: Answer;
  /** Wall time on the activation's clock: real time plus the idle waits skipped. */
  ms: number;
  /** Real time the activation took here. */
  realMs: number;
  /** Idle waits skipped (0 without `skipWaits`). */
  skippedMs: number;
  /** The activation's own peak RSS (VmHWM). */
  peakBytes: number;
  /** What the action logged (stdout, then stderr): its activation log. */
  logs: string[];
  /** Every request it sent (labelled by `tokenLabels`; "(other)" for any other, e.g. a webhook). */
  requests: SentRequest[];
  /** Peak RSS of the Postgres backends that served it (summed), when `database` was given. */
  postgresPeakBytes?: number;
}

/** How to run one activation. */
export interface ActivationOptions {
  /** OpenWhisk's `__OW_DEADLINE`, this many seconds after the start (default: the deployed timeout). */
  timeoutSeconds?: number;
  /** Skip idle waits, moving the activation's clock instead (see the module comment). */
  skipWaits?: boolean;
  /** Token → label, so the child names each request's token without printing it. */
  tokenLabels?: Record<string, string>;
  /** Flags for the activation's `node`, e.g. `--max-old-space-size=100` to see its heap held to what a small container would allow. */
  nodeFlags?: readonly string[];
  /** The database the activation uses, whose backends' memory is sampled while it runs. */
  database?: { url: string };
}

/** Runs one activation in its own process; asynchronously, since the fake it reads answers from this one. */
export async function activate<Answer extends { error?: string }>(bundle: string, params: Record<string, unknown>, at: Date, options: ActivationOptions = {}): Promise<Activation<Answer>> {
  const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TRACKER_TIMEOUT_SECONDS) * 1000;
  const backends = options.database ? await postgresBackendSampler(options.database.url) : undefined;
  const args = [...(options.nodeFlags ?? []), "-e", ACTIVATION, bundle, JSON.stringify(params), String(at.getTime()), String(timeoutMs), options.skipWaits ? "1" : "0", JSON.stringify(options.tokenLabels ?? {})];
  const running = new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, args, { encoding: "utf8", maxBuffer: 256 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`the activation failed: ${error.message}\n${stderr.slice(-4000)}`)) : resolve({ stdout, stderr }),
    ),
  );
  let output: { stdout: string; stderr: string };
  let postgresPeakBytes: number | undefined;
  try {
    output = await running;
  } finally {
    postgresPeakBytes = await backends?.stop();
  }
  const lines = output.stdout.split("\n");
  const line = lines.find((candidate) => candidate.startsWith(RESULT_MARK));
  if (!line) throw new Error(`the activation printed no result:\n${output.stdout.slice(-4000)}`);
  const logs = [...lines, ...output.stderr.split("\n")].filter((candidate) => candidate !== "" && candidate !== line);
  const result = JSON.parse(line.slice(RESULT_MARK.length)) as Omit<Activation<Answer>, "requests" | "logs"> & { requests: [string, number, string][] };
  if (result.answer.error) throw new Error(`the action failed: ${result.answer.error}`);
  return { ...result, logs, requests: result.requests.map(([label, atMs, path]) => ({ label, atMs, path })), ...(postgresPeakBytes === undefined ? {} : { postgresPeakBytes }) };
}

/**
 * Samples the resident peaks of the backends serving `databaseUrl`'s database (found in
 * pg_stat_activity, every 200 ms) until stopped; the sum of each backend's highest VmHWM. The
 * sum is an upper bound: shared buffers a backend touched count in each of them.
 */
async function postgresBackendSampler(databaseUrl: string): Promise<{ stop(): Promise<number> }> {
  const client = new Client({ connectionString: databaseUrl });
  client.on("error", () => undefined);
  await client.connect();
  const backends = async () =>
    (await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows.map((row) => row.pid);
  const sampler = sampleProcessPeaks(backends, 200);
  return {
    async stop() {
      const peaks = await sampler.stop();
      await client.end().catch(() => undefined);
      return peaks;
    },
  };
}

/** Builds the tracker action's bundle (the file that is uploaded) into `outDir`. */
export async function buildTrackerAction(outDir: string): Promise<BuiltAction> {
  const [built] = await buildFunctions({ outDir, actions: [{ name: "cost-tracker/tracker", entry: "functions/packages/cost-tracker/tracker/index.ts" }] });
  return built!;
}

/** The peak of a Node process that loads nothing: what the platform's runtime costs before the action does anything. */
export function bareNodePeakBytes(): number {
  const script = `process.stdout.write(/VmHWM:\\s+(\\d+) kB/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1])`;
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) * 1024;
}

/** A benchmark's Postgres: a fresh database per run on one server. */
export interface BenchPostgres {
  /** "Postgres at …" or "embedded PostgreSQL started here". */
  describe: string;
  database(name: string): Promise<{ url: string; name: string; drop(): Promise<void> }>;
  close(): Promise<void>;
}

/** Databases on DATABASE_URL's server or the local one, else on an embedded server started here. */
export async function benchPostgres(): Promise<BenchPostgres> {
  const database = async (name: string) => {
    const created = await createTestDatabase(name);
    return { url: created.url, name: created.name, drop: created.drop };
  };
  if (process.env.DATABASE_URL || (await postgresAnswers(testPostgresAdminUrl(), 1000))) {
    return { describe: process.env.DATABASE_URL ? "Postgres at DATABASE_URL" : "the local Postgres (127.0.0.1:5432)", database, close: async () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), "dcg-bench-postgres-"));
  const server = await startEmbeddedPostgres({ dir, durable: false });
  process.env[TEST_POSTGRES_ADMIN_URL_ENV] = server.url;
  return {
    describe: "embedded PostgreSQL started here",
    database,
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Builds the action into a temporary directory, runs `work` with it and a Postgres, and cleans both up. */
export async function withTrackerAction<T>(work: (built: BuiltAction, postgres: BenchPostgres) => Promise<T>): Promise<T> {
  const outDir = mkdtempSync(join(tmpdir(), "dcg-bench-action-build-"));
  const postgres = await benchPostgres();
  try {
    return await work(await buildTrackerAction(outDir), postgres);
  } finally {
    await postgres.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}
