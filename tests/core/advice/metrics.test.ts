/** Utilisation from metric matrices, and the request budget that decides which resources get fetched. */
import { cpuBusyPercents, coveredHours, dropletUtilisation, memoryUsedPercents, percentile, type MetricSeries } from "../../../core/advice/metrics";
import { chooseMetricTargets, RequestPacer, type MetricTarget } from "../../../core/advice/request-budget";

const series = (metric: Record<string, string>, points: [number, number][]): MetricSeries => ({ metric, values: points.map(([t, v]) => [t, String(v)]) });

describe("percentile", () => {
  it.each([
    [[], 95, undefined],
    [[7], 95, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95, 19],
    [[5, 1, 3], 50, 3],
  ])("%j p%d = %s", (values, p, expected) => expect(percentile(values, p)).toBe(expected));
});

describe("cpuBusyPercents", () => {
  it("reads cumulative seconds per mode as busy = 1 − Δidle/Δall, skipping a counter reset", () => {
    const cpu = [
      series({ mode: "idle" }, [[0, 100], [60, 145], [120, 190], [180, 5]]),
      series({ mode: "user" }, [[0, 10], [60, 25], [120, 25], [180, 1]]),
    ];
    // 0→60: idle +45, all +60 → 25% busy; 60→120: idle +45, all +45 → 0%; 120→180: reset, skipped.
    expect(cpuBusyPercents(cpu)).toEqual([25, 0]);
  });
});

describe("memoryUsedPercents", () => {
  it("pairs total and available by time", () => {
    const total = [series({}, [[0, 1000], [60, 1000]])];
    const available = [series({}, [[0, 750], [60, 100], [90, 1]])];
    expect(memoryUsedPercents(total, available)).toEqual([25, 90]);
  });
});

describe("dropletUtilisation", () => {
  it("leaves memory out without the metrics agent and measures coverage in hours", () => {
    const cpu = [series({ mode: "idle" }, [[0, 0], [7200, 3600]]), series({ mode: "user" }, [[0, 0], [7200, 3600]])];
    const u = dropletUtilisation({ cpu, memoryTotal: [], memoryAvailable: [], publicOutbound: [series({}, [[0, 3], [60, 9]])] });
    expect(u).toEqual({ cpuP95Pct: 50, outboundP95Mbps: 9, coveredHours: 2 });
    expect(coveredHours([])).toBe(0);
  });
});

describe("chooseMetricTargets", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  const targets: MetricTarget[] = [
    { kind: "droplet", id: "fresh", lastAnalysedAt: hoursAgo(2) },
    { kind: "droplet", id: "old", lastAnalysedAt: hoursAgo(72) },
    { kind: "droplet", id: "older", lastAnalysedAt: hoursAgo(96) },
    { kind: "loadBalancer", id: "never", lastAnalysedAt: null },
    { kind: "database", id: "db", lastAnalysedAt: hoursAgo(30) },
  ];

  it("takes never-analysed first, then the oldest, skips fresh ones, and stops before the budget", () => {
    expect(chooseMetricTargets(targets, 9, now)).toEqual({ chosen: [targets[3], targets[2], targets[1]], requests: 9, waiting: 1 });
    expect(chooseMetricTargets(targets, 100, now).chosen.map((t) => t.id)).toEqual(["never", "older", "old", "db"]);
    expect(chooseMetricTargets(targets, 0, now)).toEqual({ chosen: [], requests: 0, waiting: 4 });
  });
});

describe("RequestPacer", () => {
  it("never lets a 60-second window hold more than perMinute requests", async () => {
    let clock = 0;
    const sent: number[] = [];
    const pacer = new RequestPacer(3, () => clock, async (ms) => {
      clock += ms;
    });
    for (let i = 0; i < 7; i++) {
      await pacer.take();
      sent.push(clock);
      clock += 1;
    }
    for (const at of sent) expect(sent.filter((t) => t >= at && t < at + 60_000).length).toBeLessThanOrEqual(3);
    expect(sent).toEqual([0, 1, 2, 60_000, 60_001, 60_002, 120_000]);
  });
});
