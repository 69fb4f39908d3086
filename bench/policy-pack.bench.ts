/**
 * npm run bench:policy — how much our policies cost on top of the analyzer gRPC path itself.
 *
 * A synthetic 5,000-resource DigitalOcean stack is analyzed as `pulumi preview` would (Analyze per
 * resource, 64 in flight, then one AnalyzeStack) by two packs started the same way: ours with the
 * production config, and a pack with one no-op policy. Both run in the same process, after a
 * warm-up, alternating, several repetitions; we print the median resources/second of each and the
 * time ratio (target: ours ≤ 1.2 × the no-op pack, issue 9). Our pack runs from its bundle,
 * policies/dist/index.js, built first as `npm run plan` does.
 */
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { buildPolicyPack } from "../policies/build";
import { PolicyPackHost, startPolicyPack } from "../scripts/lib/policy-pack-host";
import { syntheticStack } from "./fixtures/synthetic-stack";

const RESOURCES = 5_000;
const WARM_UPS = 2;
const REPETITIONS = 7;
const TARGET_RATIO = 1.2;

const repoRoot = path.join(__dirname, "..");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeAnalysis(host: PolicyPackHost, stack: Parameters<PolicyPackHost["analyzeAll"]>[0]): Promise<{ ms: number; violations: number }> {
  const started = performance.now();
  const { violations } = await host.analyzeAll(stack);
  return { ms: performance.now() - started, violations: violations.length };
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
    const oursMs: number[] = [];
    const noopMs: number[] = [];
    let oursViolations = 0;
    for (let rep = 0; rep < REPETITIONS; rep++) {
      // Alternate which pack goes first, so drift in machine load falls on both.
      const order: [PolicyPackHost, number[]][] = rep % 2 === 0 ? [[ours, oursMs], [noop, noopMs]] : [[noop, noopMs], [ours, oursMs]];
      for (const [host, times] of order) {
        const { ms, violations } = await timeAnalysis(host, stack);
        times.push(ms);
        if (host === ours) oursViolations = violations;
      }
    }
    const rate = (ms: number): number => RESOURCES / (ms / 1000);
    const oursMedian = median(oursMs);
    const noopMedian = median(noopMs);
    const ratio = oursMedian / noopMedian;
    console.log(`stack: ${stack.length} resources; our pack reports ${oursViolations} violations per run`);
    console.log(`no-op pack : median ${noopMedian.toFixed(0)} ms  = ${rate(noopMedian).toFixed(0)} resources/s  (runs: ${noopMs.map((ms) => ms.toFixed(0)).join(", ")} ms)`);
    console.log(`our pack   : median ${oursMedian.toFixed(0)} ms  = ${rate(oursMedian).toFixed(0)} resources/s  (runs: ${oursMs.map((ms) => ms.toFixed(0)).join(", ")} ms)`);
    console.log(`ratio ours/no-op: ${ratio.toFixed(2)}×  (target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`);
  } finally {
    await Promise.all([ours.close(), noop.close()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
