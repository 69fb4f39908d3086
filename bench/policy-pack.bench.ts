/**
 * npm run bench:policy — how much our policies cost on top of the analyzer gRPC path itself, and
 * how many advisory reports a large stack gets.
 *
 * A synthetic 5,000-resource DigitalOcean stack, one resource in ten untagged (issue 17), is
 * analyzed as `pulumi preview` would (Analyze per resource, 64 in flight, then one AnalyzeStack)
 * by two packs started the same way: ours with the production config, and a pack with one no-op
 * policy. Both run in the same process, after a warm-up, alternating, five repetitions; we print
 * the median of each, the time ratio (target: ours ≤ 1.2 × the no-op pack), the split between the
 * Analyze calls and the AnalyzeStack call, each pack process's own CPU time (less disturbed by
 * other load than wall time; the rest of a run is this process, gRPC and waiting), the advisory violations of one run (target: fewer than
 * 200; the mandatory ones are reported for every resource and printed apart) and each process's
 * peak resident memory over the measured runs (the packs' read from /proc/<pid>/status VmHWM,
 * reset after the warm-up, while they still run; this process's from its own). Our pack runs from
 * its bundle, policies/dist/index.js, built first as `npm run plan` does.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { buildPolicyPack } from "../policies/build";
import { PolicyPackHost, PolicyViolation, startPolicyPack } from "../scripts/lib/policy-pack-host";
import { syntheticStack } from "./fixtures/synthetic-stack";
import { processCpuMs } from "./support/cpu";
import { formatMb, residentMemory, residentMemoryOf, resetPeakMemory } from "./support/memory";

const RESOURCES = 5_000;
const WARM_UPS = 2;
const REPETITIONS = 5;
const TARGET_RATIO = 1.2;
const ADVISORY_TARGET = 200;

const repoRoot = path.join(__dirname, "..");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Run {
  ms: number;
  /** Time of the one AnalyzeStack call; the rest of `ms` is the Analyze calls. */
  stackMs: number;
  /** CPU the pack's process spent on the run (user + system). */
  packCpuMs: number;
  violations: PolicyViolation[];
}

/** One analysis as a preview runs it, with the AnalyzeStack call timed apart. */
async function timeAnalysis(host: PolicyPackHost, stack: Parameters<PolicyPackHost["analyzeAll"]>[0]): Promise<Run> {
  let stackMs = 0;
  const analyzeStack = host.analyzeStack;
  // analyzeAll calls this.analyzeStack once, after every Analyze has answered: time that call.
  host.analyzeStack = async (resources) => {
    const started = performance.now();
    try {
      return await analyzeStack.call(host, resources);
    } finally {
      stackMs = performance.now() - started;
    }
  };
  try {
    const cpuBefore = host.pid === undefined ? Number.NaN : processCpuMs(host.pid);
    const started = performance.now();
    const { violations } = await host.analyzeAll(stack);
    const ms = performance.now() - started;
    return { ms, stackMs, packCpuMs: host.pid === undefined ? Number.NaN : processCpuMs(host.pid) - cpuBefore, violations };
  } finally {
    host.analyzeStack = analyzeStack;
  }
}

/** `1,234` */
const count = (n: number): string => n.toLocaleString("en-US");

function describeRuns(runs: Run[]): string {
  const ms = runs.map((run) => run.ms);
  const rate = RESOURCES / (median(ms) / 1000);
  return (
    `median ${median(ms).toFixed(0)} ms = ${rate.toFixed(0)} resources/s (Analyze calls ${median(runs.map((run) => run.ms - run.stackMs)).toFixed(0)} ms, ` +
    `AnalyzeStack ${median(runs.map((run) => run.stackMs)).toFixed(0)} ms; runs: ${ms.map((value) => value.toFixed(0)).join(", ")} ms); ` +
    `the pack's own CPU: median ${median(runs.map((run) => run.packCpuMs)).toFixed(0)} ms`
  );
}

function peakOf(host: PolicyPackHost): string {
  const memory = host.pid === undefined ? undefined : residentMemoryOf(host.pid);
  return memory ? formatMb(memory.peak) : "unknown (no /proc)";
}

async function main(): Promise<void> {
  const stack = syntheticStack(RESOURCES);
  await buildPolicyPack();
  const startedAt = performance.now();
  const [ours, noop] = await Promise.all([
    startPolicyPack(path.join(repoRoot, "policies"), { config: path.join(repoRoot, "policy-config.json") }),
    startPolicyPack(path.join(repoRoot, "bench/fixtures/noop-pack")),
  ]);
  console.log(`started both packs in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (the no-op pack is TypeScript, type-checked by run-policy-pack's ts-node; ours is the JavaScript bundle)`);
  try {
    for (let i = 0; i < WARM_UPS; i++) {
      await timeAnalysis(ours, stack);
      await timeAnalysis(noop, stack);
    }
    // Peaks from here on are the measured runs', not start-up's or the warm-up's.
    const reset = [ours.pid, noop.pid].every((pid) => pid !== undefined && resetPeakMemory(pid)) && resetPeakMemory();
    const oursRuns: Run[] = [];
    const noopRuns: Run[] = [];
    for (let rep = 0; rep < REPETITIONS; rep++) {
      // Alternate which pack goes first, so drift in machine load falls on both.
      const order: [PolicyPackHost, Run[]][] = rep % 2 === 0 ? [[ours, oursRuns], [noop, noopRuns]] : [[noop, noopRuns], [ours, oursRuns]];
      for (const [host, runs] of order) runs.push(await timeAnalysis(host, stack));
    }
    const ratio = median(oursRuns.map((run) => run.ms)) / median(noopRuns.map((run) => run.ms));
    const { violations } = oursRuns[0];
    const advisory = violations.filter((v) => v.enforcementLevel === "advisory");
    const byPolicy = (list: PolicyViolation[]) =>
      Object.entries(list.reduce<Record<string, number>>((counts, v) => ({ ...counts, [v.policy]: (counts[v.policy] ?? 0) + 1 }), {}))
        .map(([policy, n]) => `${policy} ${count(n)}`)
        .join(", ");
    const untagged = stack.filter((r) => Array.isArray(r.properties.tags) && r.properties.tags.length === 0).length;
    console.log(`stack: ${count(stack.length)} resources, ${count(untagged)} of them with an empty tags list`);
    console.log(`no-op pack : ${describeRuns(noopRuns)}`);
    console.log(`our pack   : ${describeRuns(oursRuns)}`);
    console.log(`ratio ours/no-op: ${ratio.toFixed(2)}×  (median of ${REPETITIONS}, alternating; target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`);
    console.log(`advisory violations: ${count(advisory.length)} (target < ${ADVISORY_TARGET}: ${advisory.length < ADVISORY_TARGET ? "met" : "NOT met"}): ${byPolicy(advisory)}`);
    console.log(`mandatory violations (one per resource at fault, not counted): ${count(violations.length - advisory.length)}: ${byPolicy(violations.filter((v) => v.enforcementLevel !== "advisory"))}`);
    console.log(
      `peak RSS over the measured runs${reset ? "" : " (lifetime peaks: the high-water marks could not be reset)"}: our pack ${peakOf(ours)}, no-op pack ${peakOf(noop)}, ` +
        `this process (the engine's side: requests, answers) ${formatMb(residentMemory().peak)}`,
    );
  } finally {
    await Promise.all([ours.close(), noop.close()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
