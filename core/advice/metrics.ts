/**
 * Utilisation from DigitalOcean's monitoring metrics: Prometheus-style matrices of
 * `[unixSeconds, "value"]` pairs (`monitoring/models/metrics.yml`). Pure: the tracker fetches,
 * this turns series into the percentiles the advice rules judge by.
 */
import type { Utilisation } from "./types";

/** One matrix result: labels and `[unixSeconds, "value"]` samples. */
export interface MetricSeries {
  metric: Readonly<Record<string, string>>;
  values: readonly (readonly (number | string)[])[];
}

function samples(series: MetricSeries): [number, number][] {
  return series.values.map(([time, value]) => [Number(time), Number(value)] as [number, number]).filter(([time, value]) => Number.isFinite(time) && Number.isFinite(value));
}

/** Nearest-rank percentile (`p` in 0–100); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Busy percent per sampling interval from the droplet CPU metric, which reports cumulative
 * CPU-seconds per mode (the spec's `droplet_cpu` example: idle, iowait, irq, nice, softirq,
 * steal, system, user): busy = 1 − Δidle / Δall modes. An interval where a counter went
 * backwards (the droplet rebooted) is skipped rather than read as a huge negative rate.
 */
export function cpuBusyPercents(series: readonly MetricSeries[]): number[] {
  const totals = new Map<number, { all: number; idle: number }>();
  for (const one of series) {
    const idle = one.metric.mode === "idle";
    for (const [time, value] of samples(one)) {
      const at = totals.get(time) ?? { all: 0, idle: 0 };
      at.all += value;
      if (idle) at.idle += value;
      totals.set(time, at);
    }
  }
  const times = [...totals.keys()].sort((a, b) => a - b);
  const busy: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const before = totals.get(times[i - 1])!;
    const after = totals.get(times[i])!;
    const all = after.all - before.all;
    const idle = after.idle - before.idle;
    if (all > 0 && idle >= 0 && idle <= all) busy.push(100 * (1 - idle / all));
  }
  return busy;
}

/** Memory in use, percent, at each time both gauges report: (total − available) / total. */
export function memoryUsedPercents(total: readonly MetricSeries[], available: readonly MetricSeries[]): number[] {
  const totals = new Map(total.flatMap(samples));
  const used: number[] = [];
  for (const [time, free] of available.flatMap(samples)) {
    const all = totals.get(time);
    if (all !== undefined && all > 0) used.push(100 * Math.min(1, Math.max(0, (all - free) / all)));
  }
  return used;
}

/** Every value of every series (gauges such as Mbps, percent or connection counts). */
export function gaugeValues(series: readonly MetricSeries[]): number[] {
  return series.flatMap((one) => samples(one).map(([, value]) => value));
}

/** Hours between the first and last sample of any series: how much of the window the data covers. */
export function coveredHours(series: readonly MetricSeries[]): number {
  const times = series.flatMap((one) => samples(one).map(([time]) => time));
  return times.length < 2 ? 0 : (Math.max(...times) - Math.min(...times)) / 3600;
}

/** A droplet's utilisation from its four metrics; memory is absent without DigitalOcean's metrics agent. */
export function dropletUtilisation(metrics: { cpu: readonly MetricSeries[]; memoryTotal: readonly MetricSeries[]; memoryAvailable: readonly MetricSeries[]; publicOutbound: readonly MetricSeries[] }): Utilisation {
  const cpuP95Pct = percentile(cpuBusyPercents(metrics.cpu), 95);
  const memoryP95Pct = percentile(memoryUsedPercents(metrics.memoryTotal, metrics.memoryAvailable), 95);
  const outboundP95Mbps = percentile(gaugeValues(metrics.publicOutbound), 95);
  return {
    ...(cpuP95Pct === undefined ? {} : { cpuP95Pct }),
    ...(memoryP95Pct === undefined ? {} : { memoryP95Pct }),
    ...(outboundP95Mbps === undefined ? {} : { outboundP95Mbps }),
    coveredHours: coveredHours(metrics.cpu),
  };
}
