/**
 * npm run bench [-- NAME ...] — runs every benchmark in bench/ (each `*.bench.ts`, or only those
 * whose name contains one of the arguments), one after another, each in its own process so one
 * benchmark's warm caches and heap never flatter the next. Each prints its own figures; at the end
 * a summary says how long each took and whether it finished.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

const benchDir = __dirname;
const repoRoot = path.join(benchDir, "..");

function main(filters: string[]): number {
  const benchmarks = readdirSync(benchDir)
    .filter((file) => file.endsWith(".bench.ts"))
    .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
    .sort();
  if (benchmarks.length === 0) {
    console.error(`no benchmark in bench/ matches ${filters.join(", ")}`);
    return 2;
  }
  const results: { file: string; seconds: number; code: number | null }[] = [];
  for (const file of benchmarks) {
    console.log(`\n=== ${file} ===`);
    const started = performance.now();
    // Benchmarks run one at a time: side by side they would measure each other.
    const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join("bench", file)], { cwd: repoRoot, stdio: "inherit" });
    results.push({ file, seconds: (performance.now() - started) / 1000, code: result.status });
  }
  console.log("\n=== summary ===");
  for (const { file, seconds, code } of results) console.log(`${code === 0 ? "ok    " : "FAILED"} ${file.padEnd(32)} ${seconds.toFixed(1)} s`);
  return results.every((result) => result.code === 0) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
