/**
 * npm run bench:advise — how long the shipped schedules take to read every droplet's metrics on
 * a 5,000-droplet account, and what each run spends. Target (issue 14): every droplet read at
 * least once a day (coverage ≤ 24 h), no run above its request budget, no minute above 200.
 *
 * Two days of the shipped schedules (config.ts DEFAULT_SCHEDULES: check hourly, daily at 07:00,
 * weekly on Mondays at 07:00) run through the real `handle` against the spec-validated fake (the
 * restaurant seed plus 5,000 droplets, inventory paged 200 at a time, metrics answered for every
 * droplet) and the CLI's embedded PostgreSQL (or DATABASE_URL). Each run gets its own per-token meter (the default budget of
 * 1,200 requests, 200 a minute) on a virtual clock, so a run's minutes of pacing are counted,
 * not waited; the answers' latency comes on top in production. When the daily task starts in
 * the same minute as the hourly check, it runs while the check holds the metric-reads lease (as
 * in production, where the check reaches its advice slice first): the daily reads no metrics, so
 * the coverage printed is what the hourly slices achieve on their own.
 *
 * Peak memory (bench/support/memory.ts) is measured around one hourly run; it includes the fake
 * API, which shares this process, but not the embedded server's own process.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_SCHEDULES } from "../config";
import { DEFAULT_REANALYSE_AFTER_HOURS, DEFAULT_REQUEST_BUDGET, DEFAULT_REQUESTS_PER_MINUTE } from "../core/advice/request-budget";
import { firesAt, firesPerMonth, parseCron } from "../core/cron";
import { BASE_RUN_SECONDS, DEFAULT_TRACKER_TIMEOUT_SECONDS, FUNCTIONS_LIMITS } from "../core/functions-limits";
import { defaultCatalog, estimateFunctionsUsage } from "../core/pricing";
import { DigitalOceanClient } from "../functions/src/digitalocean/client";
import { TokenMeter } from "../functions/src/digitalocean/token-meter";
import { AdviceStore } from "../functions/src/store/advice-store";
import { CostStore } from "../functions/src/store/cost-store";
import { METRIC_READS_LEASE } from "../functions/src/tracker/advise";
import { parseTrackerConfig } from "../functions/src/tracker/config";
import { handle, type TrackerTask } from "../functions/src/tracker/handle";
import { startFakeDigitalOcean } from "../tests/support/fake-do-api";
import { generateDroplets, seedRestaurantPlatformAccount } from "../tests/support/fake-do-api/seed";
import { formatMb, measured } from "./support/memory";
import { openBenchStore } from "./support/store";

const DROPLETS = 5_000;
const HOURS = 48;
/** A Monday, so the weekly task runs too. */
const START = new Date("2026-11-30T00:00:00Z");
const HOUR_MS = 3_600_000;

interface RunFigures {
  at: Date;
  task: TrackerTask;
  requests: number;
  busiestMinute: number;
  pacedMinutes: number;
  analysed: number;
}

async function main(): Promise<void> {
  const seed = seedRestaurantPlatformAccount();
  const state = { ...seed, droplets: [...seed.droplets, ...generateDroplets(DROPLETS)] };
  let simulated = START;
  const fake = await startFakeDigitalOcean({ state, now: () => simulated });
  const benchStore = await openBenchStore();
  const { db } = benchStore;
  await CostStore.open(db);
  const adviceStore = new AdviceStore(db);
  const config = parseTrackerConfig({ ...JSON.parse(readFileSync(path.join(__dirname, "../examples/tracker-config.json"), "utf8")), advice: {}, cleanup: { enabled: false } });
  const transports = { slack: async () => undefined, webhook: async () => undefined, email: async () => undefined };
  const log = { info: () => undefined, warn: () => undefined };
  const schedules = Object.entries(DEFAULT_SCHEDULES).map(([task, cron]) => ({ task: task as TrackerTask, schedule: parseCron(cron) }));
  const active = new Set(state.droplets.filter((d) => d.status === "active").map((d) => String(d.id)));
  const readings = new Map<string, number[]>();
  const runs: RunFigures[] = [];
  let peak: { rssBefore: number; peakRss: number; ms: number } | undefined;

  async function run(task: TrackerTask, at: Date): Promise<void> {
    let clock = 0;
    const sentAt: number[] = [];
    const meter = new TokenMeter({ budget: DEFAULT_REQUEST_BUDGET, perMinute: DEFAULT_REQUESTS_PER_MINUTE, now: () => clock, sleep: async (ms) => void (clock += ms) });
    const client = new DigitalOceanClient({
      token: fake.token,
      baseUrl: fake.url,
      meter,
      timeoutMs: 30_000,
      fetch: async (input, init) => {
        sentAt.push(clock);
        return fetch(input, init);
      },
    });
    const upkeep = task === "weekly" ? undefined : { catalog: defaultCatalog, advice: { api: client, requests: meter }, calibration: { api: client } };
    const result = await handle(task, { client, db, transports, now: at, config, log, ...(upkeep ? { upkeep } : {}) });
    const advice = result.task === "check" ? result.advice : result.task === "daily" ? result.upkeep?.advice : undefined;
    if (advice && ("error" in advice || "stopped" in advice)) throw new Error(`${task} at ${at.toISOString()}: advice ${JSON.stringify(advice)}`);
    let windowStart = 0;
    let busiestMinute = 0;
    for (let i = 0; i < sentAt.length; i++) {
      while (sentAt[windowStart]! <= sentAt[i]! - 60_000) windowStart++;
      busiestMinute = Math.max(busiestMinute, i - windowStart + 1);
    }
    runs.push({ at, task, requests: meter.sent(), busiestMinute, pacedMinutes: clock / 60_000, analysed: advice?.metrics.analysed ?? 0 });
  }

  async function recordReadings(): Promise<void> {
    for (const [id, { analysedAt }] of await adviceStore.utilisation("droplet")) {
      const times = readings.get(id) ?? [];
      if (times[times.length - 1] !== analysedAt.getTime()) times.push(analysedAt.getTime());
      readings.set(id, times);
    }
  }

  const started = Date.now();
  try {
    for (let minute = 0; minute < HOURS * 60; minute++) {
      const at = new Date(START.getTime() + minute * 60_000);
      const tasks = schedules.filter((s) => firesAt(s.schedule, at)).map((s) => s.task);
      if (tasks.length === 0) continue;
      simulated = at;
      // Started together, the check reaches its advice slice first and holds the lease; the daily and weekly run beside it.
      for (const task of tasks.filter((t) => t !== "check")) {
        const release = tasks.includes("check") ? await adviceStore.takeLease(METRIC_READS_LEASE, HOUR_MS) : undefined;
        try {
          await run(task, at);
        } finally {
          await release?.();
        }
      }
      if (tasks.includes("check")) {
        if (peak === undefined && minute >= 60) peak = await measured(() => run("check", at));
        else await run("check", at);
      }
      await recordReadings();
    }
  } finally {
    await benchStore.close();
    await fake.close();
  }

  const everyDropletAt = (() => {
    for (const run of runs) {
      const covered = [...active].every((id) => (readings.get(id) ?? []).some((t) => t <= run.at.getTime()));
      if (covered) return run.at;
    }
    return undefined;
  })();
  let longestGapMs = 0;
  for (const id of active) {
    const times = readings.get(id) ?? [];
    for (let i = 1; i < times.length; i++) longestGapMs = Math.max(longestGapMs, times[i]! - times[i - 1]!);
  }
  const hourly = runs.filter((r) => r.task === "check");
  const maxRequests = Math.max(...runs.map((r) => r.requests));
  const busiest = Math.max(...runs.map((r) => r.busiestMinute));
  const maxPaced = Math.max(...runs.map((r) => r.pacedMinutes));
  const perHourly = hourly.reduce((sum, r) => sum + r.analysed, 0) / hourly.length;
  // The run at hour h is the (h + 1)th; its readings are in by the end of that hour.
  const firstCoverageHours = everyDropletAt ? (everyDropletAt.getTime() - START.getTime()) / HOUR_MS + 1 : undefined;
  console.log(`account: ${active.size} active droplets (${DROPLETS} generated plus the restaurant seed's), shipped schedules ${JSON.stringify(DEFAULT_SCHEDULES)}, ${HOURS} h simulated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`per run: at most ${maxRequests} requests (budget ${DEFAULT_REQUEST_BUDGET}), busiest minute ${busiest} (cap ${DEFAULT_REQUESTS_PER_MINUTE}), at most ${maxPaced.toFixed(1)} min of pacing (timeout ${DEFAULT_TRACKER_TIMEOUT_SECONDS / 60} min)`);
  console.log(`hourly check: ${perHourly.toFixed(0)} resources read a run on average (droplets re-read after ${DEFAULT_REANALYSE_AFTER_HOURS} h)`);
  console.log(`coverage: every droplet read once within ${firstCoverageHours ?? "more than " + HOURS} h of the first run; afterwards no droplet waits more than ${(longestGapMs / HOUR_MS).toFixed(0)} h between readings (target ≤ 24 h)`);
  if (peak) console.log(`peak memory around one hourly run: ${formatMb(peak.peakRss)} resident, ${formatMb(peak.peakRss - peak.rssBefore)} more than the ${formatMb(peak.rssBefore)} held before it (the fake API shares the process; the embedded server runs in its own); ${(peak.ms / 1000).toFixed(1)} s wall without network latency`);
  // What the monitor itself costs on Functions at this size: each run's own work plus its measured pacing.
  const secondsOf = (task: TrackerTask) => BASE_RUN_SECONDS[task as keyof typeof BASE_RUN_SECONDS] + Math.max(0, ...runs.filter((r) => r.task === task).map((r) => r.pacedMinutes * 60));
  const cost = estimateFunctionsUsage(Object.entries(DEFAULT_SCHEDULES).map(([task, cron]) => ({ name: task, invocationsPerMonth: firesPerMonth(cron), averageDurationMs: secondsOf(task as TrackerTask) * 1000, memoryMb: FUNCTIONS_LIMITS.defaultMemoryMb })));
  console.log(`Functions use at this size (${FUNCTIONS_LIMITS.defaultMemoryMb} MB, longest run of each task): ${Math.round(cost.gibSeconds).toLocaleString("en-US")} GiB-s a month of the ${cost.freeGiBSeconds.toLocaleString("en-US")} free → $${cost.monthlyUsd.toFixed(2)}`);
  const ok = maxRequests <= DEFAULT_REQUEST_BUDGET && busiest <= DEFAULT_REQUESTS_PER_MINUTE && firstCoverageHours !== undefined && firstCoverageHours <= 24 && longestGapMs <= 24 * HOUR_MS;
  console.log(`within budget, per-minute cap and 24 h coverage: ${ok ? "yes" : "NO"}`);
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
