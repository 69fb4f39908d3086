/**
 * `npm run bench:action`: the deployed tracker action's memory and time by account size, run
 * the way DigitalOcean Functions runs it. The action is built by functions/build.ts (the
 * bundle that is uploaded), and every activation is a fresh Node process that loads the
 * bundle and calls its `main` with the parameters OpenWhisk passes: the action's bound
 * parameters (DIGITALOCEAN_TOKEN, DATABASE_URL, TRACKER_CONFIG as a JSON string,
 * DIGITALOCEAN_API_URL) merged with the scheduled trigger's body (`name: "check"`), and
 * `__OW_*` in the environment. DigitalOcean is the spec-validated fake on 127.0.0.1 serving
 * the account's pages (200 invoice items a page); the database is Postgres (DATABASE_URL, or
 * the embedded PostgreSQL the tests use), a fresh database per size.
 *
 * The process's clock is set to 2026-03-15T06:00Z (so the month's first check back-fills 15
 * days whatever today is) and the next activation to an hour later: the month's first check
 * and the hourly steady state. Peak memory is the child's own resident high-water mark
 * (VmHWM) read at its end (bench/support/memory.ts); the action's limit is its whole
 * container, and a bare Node process is most of the rest. Target (issue 17): < 256 MB, the
 * default memory the stack deploys the action with, at 100,000 items.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildFunctions } from "../functions/build";
import { startEmbeddedPostgres } from "../functions/src/store/embedded-postgres";
import { generateDroplets, generateInvoiceItems, invoiceResourcesOf, seedRestaurantPlatformAccount, startFakeDigitalOcean } from "../tests/support/fake-do-api";
import { createTestDatabase, postgresAnswers, testPostgresAdminUrl, TEST_POSTGRES_ADMIN_URL_ENV } from "../tests/support/postgres";
import { MB } from "./support/memory";

/** Account sizes: invoice items of the running month, and one resource per 50 items. */
const SIZES = [1_000, 10_000, 100_000];
/** The Functions default the stack deploys the tracker with (Pulumi.yaml `functions`, project.yml). */
const ACTION_MEMORY_MB = 256;
const NOW = new Date("2026-03-15T06:00:00Z");
const TOKEN = "dop_v1_bench-action-token";

/**
 * One activation: a fresh `node` that fixes the clock, sets what OpenWhisk sets, loads the
 * bundle and calls `main(params)` once, then prints the answer, its wall time and VmHWM. Plain
 * JavaScript: the platform runs no TypeScript, and nothing but the bundle is loaded.
 */
const ACTIVATION = `
const { readFileSync } = require("node:fs");
const [bundle, paramsJson, nowMs] = process.argv.slice(1);
const offset = Number(nowMs) - Date.now();
const RealDate = Date;
const now = () => RealDate.now() + offset;
globalThis.Date = class extends RealDate { constructor(...args) { if (args.length === 0) super(now()); else super(...args); } static now() { return now(); } };
process.env.__OW_DEADLINE = String(now() + 300000);
process.env.__OW_ACTION_NAME = "/bench/cost-tracker/tracker";
process.env.__OW_NAMESPACE = "bench";
process.env.__OW_ACTIVATION_ID = "0".repeat(32);
const started = process.hrtime.bigint();
require(bundle).main(JSON.parse(paramsJson)).then(async (answer) => {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const peakKb = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]);
  await require(bundle).closeWarmState();
  process.stdout.write(JSON.stringify({ answer, ms, peakBytes: peakKb * 1024 }) + "\\n");
});
`;

interface Activation {
  answer: { task?: string; monthToDateUsd?: number; error?: string };
  ms: number;
  peakBytes: number;
}

/** Runs one activation in its own process; asynchronously, since the fake it reads answers from this one. */
async function activate(bundle: string, params: Record<string, unknown>, at: Date): Promise<Activation> {
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["-e", ACTIVATION, bundle, JSON.stringify(params), String(at.getTime())], { encoding: "utf8", maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`the activation failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  const activation = JSON.parse(output.trim().split("\n").pop()!) as Activation;
  if (activation.answer.error) throw new Error(`the action failed: ${activation.answer.error}`);
  return activation;
}

/** A Postgres database per size: on DATABASE_URL's server or the local one, else on an embedded server started here. */
async function postgres(): Promise<{ database: (name: string) => Promise<{ url: string; drop(): Promise<void> }>; close(): Promise<void> }> {
  if (process.env.DATABASE_URL || (await postgresAnswers(testPostgresAdminUrl(), 1000))) {
    return { database: (name) => createTestDatabase(name), close: async () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), "dcg-bench-action-"));
  const server = await startEmbeddedPostgres({ dir, durable: false });
  process.env[TEST_POSTGRES_ADMIN_URL_ENV] = server.url;
  return {
    database: (name) => createTestDatabase(name),
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), "dcg-bench-action-build-"));
  const servers = await postgres();
  try {
    const [built] = await buildFunctions({ outDir, actions: [{ name: "cost-tracker/tracker", entry: "functions/packages/cost-tracker/tracker/index.ts" }] });
    console.log(`bundle: ${(built!.bytes / 1024).toFixed(0)} KiB; each activation a fresh Node ${process.version} process calling main(params) as OpenWhisk does`);
    const bare = activateBare();
    console.log(`a bare Node process: ${(bare / MB).toFixed(0)} MB peak RSS`);
    const rows: string[] = [];
    for (const items of SIZES) {
      const state = seedRestaurantPlatformAccount();
      state.droplets = [...state.droplets, ...generateDroplets(Math.max(0, items / 50 - state.droplets.length - 6))];
      state.invoiceItems.preview = generateInvoiceItems(items, invoiceResourcesOf(state));
      state.invoicePreview = { ...state.invoicePreview, invoice_period: "2026-03" };
      state.balance = { ...state.balance, month_to_date_usage: "1234.56", generated_at: NOW.toISOString().replace(".000", "") };
      const fake = await startFakeDigitalOcean({ state, token: TOKEN, now: () => NOW });
      const database = await servers.database(`bench_action_${items}`);
      try {
        const params = {
          DIGITALOCEAN_TOKEN: TOKEN,
          DATABASE_URL: database.url,
          DIGITALOCEAN_API_URL: fake.url,
          TRACKER_CONFIG: JSON.stringify({ budgetMonthlyUsd: 5000, recipients: { webhook: ["http://127.0.0.1:9/bench"] } }),
          name: "check",
        };
        const first = await activate(built!.file, params, NOW);
        const next = await activate(built!.file, params, new Date(NOW.getTime() + 3_600_000));
        if (fake.validationErrors.length > 0) throw new Error(`the fake saw answers outside DigitalOcean's spec: ${fake.validationErrors[0]}`);
        const resources = state.droplets.length + state.databases.length + state.volumes.length + state.loadBalancers.length + state.apps.length + state.kubernetesClusters.length;
        const verdict = (peak: number) => (peak < ACTION_MEMORY_MB * MB ? "under" : "OVER");
        rows.push(
          `| ${items.toLocaleString("en-US")} | ${resources.toLocaleString("en-US")} | ${(first.peakBytes / MB).toFixed(0)} MB, ${(first.ms / 1000).toFixed(1)} s | ` +
            `${(next.peakBytes / MB).toFixed(0)} MB, ${(next.ms / 1000).toFixed(1)} s | ${verdict(Math.max(first.peakBytes, next.peakBytes))} ${ACTION_MEMORY_MB} MB |`,
        );
      } finally {
        await database.drop();
        await fake.close();
      }
    }
    console.log("| invoice items | resources | month's first check (migrates the empty database, back-fills 15 days): peak RSS, time | next hour: peak RSS, time | default memory |");
    console.log("| ---: | ---: | --- | --- | --- |");
    for (const row of rows) console.log(row);
  } finally {
    await servers.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The peak of a Node process that loads nothing: what the platform's runtime costs before the action does anything. */
function activateBare(): number {
  const script = `process.stdout.write(/VmHWM:\\s+(\\d+) kB/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1])`;
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) * 1024;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
