/**
 * npm run bench:plan [-- --program DIR --runs N] — what `npm run plan` costs over running the same
 * program under bare mocks, and how fast the policy pack starts.
 *
 * 1. Plan vs bare mocks: `npm run plan`'s own command (node with scripts/register-typescript.js,
 *    esbuild's transform) and bench/fixtures/bare-mock-run.ts (the program under `setMocks`,
 *    nothing else) on the same program, each a fresh process, alternating, after a warm-up of
 *    each. Wall time and CPU time (user + system of the process and every process it waited for,
 *    the policy pack and esbuild included, read from /proc/self/stat's cutime/cstime; Linux only).
 *    Target: plan ≤ 2× bare, both. The bare run is measured twice: under ts-node --transpile-only
 *    (how this repository ran TypeScript until now, and the baseline the target was set against)
 *    and under the plan's own esbuild loader (what the plan adds on top of its loader).
 * 2. Cold start: process start to the first `Analyze` answered, for our pack (policies/, the
 *    bundle) and a no-op JavaScript pack (bench/fixtures/noop-js-pack), both started by
 *    run-policy-pack as the CLI does, alternating. Target: ours ≤ 1.3× the no-op pack.
 *
 * Peak memory beside each: for the commands of part 1, each Node process's own peak (maxRSS)
 * reported as it exits (support/peak-memory-reporter.js, preloaded through NODE_OPTIONS; the
 * plan's policy pack reports its own, summed with the plan's); for the packs of part 2, VmHWM of
 * /proc/<pid>/status read before the pack is stopped.
 *
 * Medians are printed with every run, so a noisy machine shows as spread rather than hiding in
 * an average.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { buildPolicyPack } from "../policies/build";
import { startPolicyPack } from "../scripts/lib/policy-pack-host";
import { loadStackConfig } from "../scripts/lib/stack-config";
import { childrenCpuMs, processCpuMs } from "./support/cpu";
import { formatMb, residentMemoryOf } from "./support/memory";

const PLAN_TARGET = 2;
const COLD_START_TARGET = 1.3;
const repoRoot = path.join(__dirname, "..");
const tsNodeBin = require.resolve("ts-node/dist/bin.js");

/** `npm run plan` as package.json defines it; the benchmark refuses to measure a different command. */
const PLAN_SCRIPT = "node --require ./scripts/register-typescript.js scripts/plan.ts";
const esbuildLoader = ["--require", path.join(repoRoot, "scripts/register-typescript.js")];

interface Sample {
  wallMs: number;
  cpuMs: number;
  /** Peak resident memory of the process started, and the sum of its child processes' peaks (the plan's policy pack). */
  peakRss: number;
  childrenPeakRss: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const peakMemoryReporter = path.join(__dirname, "support/peak-memory-reporter.js");

/**
 * Runs a command to its end: wall time, CPU time, and peak memory as each of its Node processes
 * reports its own on exit (support/peak-memory-reporter.js, preloaded through NODE_OPTIONS).
 */
function timeProcess(args: string[], expectedCodes: number[]): Sample {
  const reports = path.join(mkdtempSync(path.join(tmpdir(), "dcg-bench-memory-")), "peaks.jsonl");
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${peakMemoryReporter}`.trim(), BENCH_PEAK_MEMORY_FILE: reports };
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: "utf8", timeout: 300_000, env });
  const wallMs = performance.now() - started;
  if (result.status === null || !expectedCodes.includes(result.status)) {
    throw new Error(`${args.slice(1).join(" ")} exited ${result.status}:\n${result.stderr}`);
  }
  const peaks = readFileSync(reports, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { pid: number; maxRssBytes: number });
  rmSync(path.dirname(reports), { recursive: true, force: true });
  const own = peaks.find((peak) => peak.pid === result.pid);
  if (!own) throw new Error(`${args.slice(1).join(" ")} reported no peak memory (is NODE_OPTIONS --require allowed?)`);
  const childrenPeakRss = peaks.filter((peak) => peak !== own).reduce((sum, peak) => sum + peak.maxRssBytes, 0);
  return { wallMs, cpuMs: childrenCpuMs() - cpuBefore, peakRss: own.maxRssBytes, childrenPeakRss };
}

async function coldStart(packDir: string, config?: string): Promise<Sample> {
  const started = performance.now();
  const host = await startPolicyPack(packDir, { config });
  await host.analyze({
    urn: "urn:pulumi:bench::bench::digitalocean:index/droplet:Droplet::web-1",
    type: "digitalocean:index/droplet:Droplet",
    name: "web-1",
    properties: { image: "ubuntu-24-04-x64", region: "nyc3", size: "s-1vcpu-1gb", tags: ["env:prod", "service:web", "owner:platform"] },
  });
  const wallMs = performance.now() - started;
  const cpuMs = host.pid === undefined ? Number.NaN : processCpuMs(host.pid);
  // Read while the pack still runs: an exited process has no /proc/<pid>/status.
  const peakRss = (host.pid === undefined ? undefined : residentMemoryOf(host.pid)?.peak) ?? Number.NaN;
  await host.close();
  return { wallMs, cpuMs, peakRss, childrenPeakRss: 0 };
}

function describe(samples: Sample[], key: "wallMs" | "cpuMs"): string {
  return `median ${median(samples.map((s) => s[key])).toFixed(0)} ms (runs: ${samples.map((s) => s[key].toFixed(0)).join(", ")})`;
}

/** `peak RSS median 180 MB` (+ its children's, when it has any). */
function describeMemory(samples: Sample[]): string {
  const own = `peak RSS median ${formatMb(median(samples.map((s) => s.peakRss)))}`;
  const children = median(samples.map((s) => s.childrenPeakRss));
  return children > 0 ? `${own} + its policy pack's ${formatMb(children)}` : own;
}

function verdict(ratio: number, target: number): string {
  return `${ratio.toFixed(2)}×  (target ≤ ${target}×: ${ratio <= target ? "met" : "NOT met"})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { program: { type: "string", default: "examples/restaurant-platform" }, runs: { type: "string", default: "5" } } });
  const programDir = path.resolve(repoRoot, values.program as string);
  const runs = Number(values.runs);
  const planScript = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.plan;
  if (planScript !== PLAN_SCRIPT) throw new Error(`package.json's plan script is "${planScript}"; this benchmark measures "${PLAN_SCRIPT}" — update both together`);

  await buildPolicyPack();
  const stack = loadStackConfig(programDir, "prod");
  const bareArgs = [tsNodeBin, "--transpile-only", "bench/fixtures/bare-mock-run.ts", stack.main, stack.project, "prod"];
  const bareEsbuildArgs = [...esbuildLoader, "bench/fixtures/bare-mock-run.ts", stack.main, stack.project, "prod"];
  // Exit 1 is a plan the policies block: still a complete plan, and the one a reviewer waits for.
  const planArgs = [...esbuildLoader, "scripts/plan.ts", "--program", programDir, "--stack", "prod"];

  console.log(`plan vs bare mocks on ${path.relative(repoRoot, programDir)}: ${runs} runs each after a warm-up, in rotating order`);
  const variants: { label: string; args: string[]; codes: number[]; samples: Sample[] }[] = [
    { label: "bare mocks (ts-node)  ", args: bareArgs, codes: [0], samples: [] },
    { label: "bare mocks (esbuild)  ", args: bareEsbuildArgs, codes: [0], samples: [] },
    { label: "npm run plan          ", args: planArgs, codes: [0, 1], samples: [] },
  ];
  for (const variant of variants) timeProcess(variant.args, variant.codes);
  for (let run = 0; run < runs; run++) {
    // Rotate who goes first, so drift in machine load falls on all three.
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(run + i) % variants.length];
      variant.samples.push(timeProcess(variant.args, variant.codes));
    }
  }
  for (const { label, samples } of variants) console.log(`${label}: wall ${describe(samples, "wallMs")}; CPU ${describe(samples, "cpuMs")}; ${describeMemory(samples)}`);
  const median0 = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));
  const [bare, bareEsbuild, plan] = variants.map((variant) => variant.samples);
  console.log(`plan/bare (ts-node) wall: ${verdict(median0(plan, "wallMs") / median0(bare, "wallMs"), PLAN_TARGET)}`);
  console.log(`plan/bare (ts-node) CPU : ${verdict(median0(plan, "cpuMs") / median0(bare, "cpuMs"), PLAN_TARGET)}`);
  console.log(`plan/bare (esbuild) wall: ${(median0(plan, "wallMs") / median0(bareEsbuild, "wallMs")).toFixed(2)}×  (same loader on both sides)`);
  console.log(`plan/bare (esbuild) CPU : ${(median0(plan, "cpuMs") / median0(bareEsbuild, "cpuMs")).toFixed(2)}×  (same loader on both sides)`);
  const planPeak = median0(plan, "peakRss") + median0(plan, "childrenPeakRss");
  console.log(
    `plan/bare (ts-node) peak RSS: ${(planPeak / median0(bare, "peakRss")).toFixed(2)}×  (the plan and its policy pack run side by side: their peaks summed, an upper bound; ` +
      `each process's own maxRSS reported as it exits)`,
  );

  const ourPack = path.join(repoRoot, "policies");
  const noopPack = path.join(repoRoot, "bench/fixtures/noop-js-pack");
  const ourConfig = path.join(repoRoot, "policy-config.json");
  console.log(`\npolicy pack cold start (spawn to first Analyze answered): ${runs} runs each after a warm-up, alternating`);
  await coldStart(ourPack, ourConfig);
  await coldStart(noopPack);
  const ours: Sample[] = [];
  const noop: Sample[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      ours.push(await coldStart(ourPack, ourConfig));
      noop.push(await coldStart(noopPack));
    } else {
      noop.push(await coldStart(noopPack));
      ours.push(await coldStart(ourPack, ourConfig));
    }
  }
  console.log(`no-op JS pack: wall ${describe(noop, "wallMs")}; CPU ${describe(noop, "cpuMs")}; ${describeMemory(noop)}`);
  console.log(`our pack     : wall ${describe(ours, "wallMs")}; CPU ${describe(ours, "cpuMs")}; ${describeMemory(ours)}`);
  console.log(`cold start ours/no-op wall: ${verdict(median0(ours, "wallMs") / median0(noop, "wallMs"), COLD_START_TARGET)}`);
  console.log(`cold start ours/no-op CPU : ${verdict(median0(ours, "cpuMs") / median0(noop, "cpuMs"), COLD_START_TARGET)}`);
  console.log(`cold start ours/no-op peak RSS: ${(median0(ours, "peakRss") / median0(noop, "peakRss")).toFixed(2)}×  (VmHWM of /proc/<pid>/status, read before the pack is stopped)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
