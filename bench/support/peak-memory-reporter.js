/**
 * Preloaded (NODE_OPTIONS=--require) into the processes a benchmark spawns and cannot read
 * while they run (spawnSync): every Node process of the measured command, its own children
 * included (the plan's policy pack), appends its own peak resident memory to
 * $BENCH_PEAK_MEMORY_FILE as it exits, one JSON line `{pid, ppid, maxRssBytes}`.
 *
 * The figure is Node's `process.resourceUsage().maxRSS` (kilobytes: the process's lifetime
 * peak, getrusage's ru_maxrss), the process's own report rather than a reader of /proc: it is
 * taken as the process ends, after which no one can read its /proc/<pid>/status. JavaScript,
 * not TypeScript: it loads before any TypeScript loader is registered.
 */
"use strict";
const { appendFileSync } = require("node:fs");

const file = process.env.BENCH_PEAK_MEMORY_FILE;
if (file) {
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    const line = { pid: process.pid, ppid: process.ppid, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
    appendFileSync(file, JSON.stringify(line) + "\n");
  };
  process.once("exit", report);
  // The plan stops its policy pack with SIGTERM, which ends a process without "exit": report, then
  // end as the signal would have (128 + 15).
  process.once("SIGTERM", () => {
    report();
    process.exit(143);
  });
}
