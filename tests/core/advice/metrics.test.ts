/** Utilisation from metric matrices, and the request budget that decides which resources get fetched. */
import { cpuBusyPercents, coveredHours, dropletUtilisation, memoryUsedPercents, percentile, type MetricSeries } from "../../../core/advice/metrics";
import { chooseMetricTargets, pacedSeconds, plannedMetricRequests, RequestPacer, type MetricTarget } from "../../../core/advice/request-budget";
import { runDeadline } from "../../../core/deadline";

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

  it("counts a resource read 23 h 50 min ago as due today: a daily run that drifts a few minutes still re-reads it", () => {
    const yesterday: MetricTarget = { kind: "droplet", id: "read-yesterday", lastAnalysedAt: new Date(now.getTime() - (23 * 60 + 50) * 60_000) };
    const thisMorning: MetricTarget = { kind: "droplet", id: "read-this-morning", lastAnalysedAt: hoursAgo(19.5) };
    expect(chooseMetricTargets([yesterday, thisMorning], 100, now)).toEqual({ chosen: [yesterday], requests: 4, waiting: 0 });
  });
});

describe("plannedMetricRequests", () => {
  it("plans 90% of the budget, less what the run has already sent, leaving the rest for retries", () => {
    expect(plannedMetricRequests(1_200, 0)).toBe(1_080);
    expect(plannedMetricRequests(1_200, 75)).toBe(1_005);
    expect(plannedMetricRequests(25, 8)).toBe(14);
    expect(plannedMetricRequests(100, 95)).toBe(0);
  });

  it("sizes a full slice's pacing: 1,080 requests at 200 a minute are five minutes after the first batch", () => {
    expect(pacedSeconds(1_080, 200)).toBe(300);
    expect(pacedSeconds(200, 200)).toBe(0);
    expect(pacedSeconds(0, 200)).toBe(0);
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

  it("gives no slot that lies beyond the deadline's margin, and does not wait for one", async () => {
    let clock = 0;
    const waits: number[] = [];
    const pacer = new RequestPacer(2, () => clock, async (ms) => {
      waits.push(ms);
      clock += ms;
    });
    // Killed at 90 s with the default 20 s margin: slots up to 70 s may be used.
    const deadline = runDeadline(90_000, { clock: () => clock });
    expect(await pacer.take(deadline)).toBe(true);
    expect(await pacer.take(deadline)).toBe(true);
    clock = 5_000;
    // The next slot is at 60 s, inside the margin: waited for.
    expect(await pacer.take(deadline)).toBe(true);
    expect(clock).toBe(60_000);
    // The one after is at 120 s: refused at once, nothing recorded, no wait.
    expect(await pacer.take(deadline)).toBe(true);
    expect(await pacer.take(deadline)).toBe(false);
    expect(waits).toEqual([55_000]);
    // Without a deadline the same pacer still serves it.
    expect(await pacer.take()).toBe(true);
    expect(clock).toBe(120_000);
  });
});
