/**
 * Peak memory for benchmarks, read from the kernel rather than sampled, so a peak inside
 * synchronous code is not missed. Linux: the resident high-water mark (VmHWM in
 * /proc/self/status) is reset before a measured step (/proc/self/clear_refs) and read after
 * it. Elsewhere it falls back to `process.resourceUsage().maxRSS`, the process's lifetime
 * peak, which cannot be reset (say so when printing).
 *
 * RSS never shrinks back after a step (V8 keeps its grown heap): compare steps each run in
 * their own child process, or print what the process held before the step beside its peak.
 *
 * A step can also watch another process tree (the embedded PostgreSQL: a postmaster and a
 * backend per connection): its processes' peaks are reset and summed the same way. The sum
 * is an upper bound of what the tree held at once (shared buffers count in every process
 * that touched them, and peaks need not coincide).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export const MB = 2 ** 20;

setFlagsFromString("--expose-gc");
/** A full collection between steps, so one step's garbage is not counted against the next. */
export const collectGarbage = runInNewContext("gc") as () => void;

/** VmRSS and VmHWM of /proc/<pid>/status, in bytes; throws where there is no such file. */
function procStatusMemory(pid: number | "self"): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { now: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Resident memory now and its high-water mark (since the last reset), in bytes; `resettable` is false off Linux. */
export function residentMemory(pid: number | "self" = "self"): { now: number; peak: number; resettable: boolean } {
  try {
    return { ...procStatusMemory(pid), resettable: true };
  } catch {
    if (pid !== "self") return { now: 0, peak: 0, resettable: false };
    // resourceUsage().maxRSS is in kilobytes (Node docs, process.resourceUsage()).
    return { now: process.memoryUsage.rss(), peak: process.resourceUsage().maxRSS * 1024, resettable: false };
  }
}

/**
 * Resident memory of another live process (a policy pack, a child), in bytes, read from its
 * /proc/<pid>/status; undefined off Linux or once it has exited (a zombie has no VmHWM), so read
 * it before stopping the process.
 */
export function residentMemoryOf(pid: number): { now: number; peak: number } | undefined {
  try {
    const memory = procStatusMemory(pid);
    return Number.isNaN(memory.peak) ? undefined : memory;
  } catch {
    return undefined;
  }
}

/** Resets the high-water mark to the current RSS (of `pid`, default this process); false where that is not possible. */
export function resetPeakMemory(pid: number | "self" = "self"): boolean {
  try {
    // "5" resets the peak to the current RSS (proc(5), /proc/[pid]/clear_refs, Linux ≥ 4.0).
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** `root` and its children (Linux; just `root` elsewhere). */
function processTree(root: number): number[] {
  const children: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [root];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 is the parent pid; the command name before it (in parentheses) may hold spaces.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === root) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return [root, ...children];
}

/** The summed peaks of a process tree, and how many processes it had (see the module comment). */
export interface TreePeak {
  peak: number;
  processes: number;
}

/** Resets the peaks of `root`'s tree; returns a reader of the tree's summed peaks since. */
function watchTree(root: number): () => TreePeak {
  for (const pid of processTree(root)) resetPeakMemory(pid);
  return () => {
    const pids = processTree(root);
    return { peak: pids.reduce((sum, pid) => sum + (residentMemory(pid).peak || 0), 0), processes: pids.length };
  };
}

/** One measured step: its result, wall time, the RSS it started from and the peak while it ran. */
export interface Measured<T> {
  result: T;
  ms: number;
  rssBefore: number;
  peakRss: number;
  /** The watched process tree's summed peaks, when `options.tree` was given. */
  tree?: TreePeak;
}

/** Measures `work`: wall time, and the peak resident memory while it ran (also of the tree rooted at `options.tree`). */
export async function measured<T>(work: () => Promise<T> | T, options: { tree?: number } = {}): Promise<Measured<T>> {
  collectGarbage();
  const rssBefore = residentMemory().now;
  resetPeakMemory();
  const tree = options.tree === undefined ? undefined : watchTree(options.tree);
  const start = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { result, ms, rssBefore, peakRss: residentMemory().peak, ...(tree ? { tree: tree() } : {}) };
}

/**
 * Samples the resident high-water marks of the processes `pids()` names, every `everyMs`, until
 * stopped: for processes that start and end on their own (a database's backends), whose peaks
 * cannot be read once they have exited. Resolves the sum of each process's highest VmHWM seen,
 * an upper bound of what they held at once (shared memory counts in each).
 */
export function sampleProcessPeaks(pids: () => Promise<number[]>, everyMs: number): { stop(): Promise<number> } {
  const peaks = new Map<number, number>();
  const sample = async () => {
    for (const pid of await pids().catch(() => [])) {
      const memory = residentMemoryOf(pid);
      if (memory) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, memory.peak));
    }
  };
  let sampling = sample();
  const timer = setInterval(() => {
    sampling = sampling.then(sample);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sampling.then(sample);
      return [...peaks.values()].reduce((sum, peak) => sum + peak, 0);
    },
  };
}

/** `123 MB` */
export function formatMb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

/** `peak RSS 95 MB (+12 MB over the 83 MB held before)`, or the lifetime peak where it could not be reset. */
export function describePeak(rssBefore: number, peakRss: number): string {
  const where = residentMemory().resettable ? `+${formatMb(Math.max(0, peakRss - rssBefore))} over the ${formatMb(rssBefore)} held before` : "the process's lifetime peak: no /proc to reset it";
  return `peak RSS ${formatMb(peakRss)} (${where})`;
}
