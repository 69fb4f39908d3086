/**
 * Peak memory for benchmarks, read from the kernel rather than sampled, so a peak inside
 * synchronous code is not missed. Linux: the resident high-water mark (VmHWM in
 * /proc/self/status) is reset before a measured step (/proc/self/clear_refs) and read after
 * it. Elsewhere it falls back to `process.resourceUsage().maxRSS`, the process's lifetime
 * peak, which cannot be reset (say so when printing).
 *
 * RSS never shrinks back after a step (V8 keeps its grown heap): compare steps each run in
 * their own child process, or print what the process held before the step beside its peak.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export const MB = 2 ** 20;

setFlagsFromString("--expose-gc");
/** A full collection between steps, so one step's garbage is not counted against the next. */
export const collectGarbage = runInNewContext("gc") as () => void;

/** Resident memory now and its high-water mark (since the last reset), in bytes; `resettable` is false off Linux. */
export function residentMemory(): { now: number; peak: number; resettable: boolean } {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    return { now: kb("VmRSS"), peak: kb("VmHWM"), resettable: true };
  } catch {
    // resourceUsage().maxRSS is in kilobytes (Node docs, process.resourceUsage()).
    return { now: process.memoryUsage.rss(), peak: process.resourceUsage().maxRSS * 1024, resettable: false };
  }
}

/** Resets the high-water mark to the current RSS; false where that is not possible. */
export function resetPeakMemory(): boolean {
  try {
    // "5" resets the peak to the current RSS (proc(5), /proc/[pid]/clear_refs, Linux ≥ 4.0).
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** One measured step: its result, wall time, the RSS it started from and the peak while it ran. */
export interface Measured<T> {
  result: T;
  ms: number;
  rssBefore: number;
  peakRss: number;
}

/** Measures `work`: wall time, and the peak resident memory while it ran. */
export async function measured<T>(work: () => Promise<T> | T): Promise<Measured<T>> {
  collectGarbage();
  const rssBefore = residentMemory().now;
  resetPeakMemory();
  const start = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { result, ms, rssBefore, peakRss: residentMemory().peak };
}

/** `123 MB` */
export function formatMb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}
