/**
 * CPU time for benchmarks, read from /proc (Linux only): less disturbed by other load on the
 * machine than wall time, so it says where the time goes when wall-time ratios are noisy.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc times: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid: number | "self"): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** User + system CPU, in ms, of a running process (utime and stime, fields 14 and 15 of proc(5)'s stat). */
export function processCpuMs(pid: number | "self"): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** User + system CPU, in ms, of the processes this process has waited for (children and, through them, grandchildren). */
export function childrenCpuMs(): number {
  // cutime and cstime: fields 16 and 17 of proc(5)'s stat.
  const fields = statFields("self");
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
