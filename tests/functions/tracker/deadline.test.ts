/**
 * Daily runs that fit their deadline (issue 14, point 7), through `handle` against the
 * spec-validated fake and a real Postgres: the day's report is delivered before any upkeep and
 * even when the deadline cuts the upkeep; a daily run 60 s from its deadline on an account of
 * 2,000 droplets whose metrics answer slowly returns before the deadline with its report sent
 * and the advisor's progress saved, and the next run continues where it stopped.
 *
 * The 60-second run is played on a time-lapse clock five times faster than the wall (12 s of real
 * time): the deadline, the pacer, the retry waits, the request timeout (3 s real = 15 s) and the
 * metrics' latency (600 ms real = 3 s) all live on it. The action's test
 * (action-deadline.test.ts) covers the same path on the real clock.
 */
import { defaultCatalog as catalog } from "../../../core/pricing";
import { runDeadline } from "../../../core/deadline";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { TokenMeter } from "../../../functions/src/digitalocean/token-meter";
import { createSlackTransport } from "../../../functions/src/notify/slack";
import { createWebhookTransport } from "../../../functions/src/notify/webhook";
import type { Transports } from "../../../functions/src/notify/outbox";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import type { AdviseResult } from "../../../functions/src/tracker/advise";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { handle, type UpkeepOutcome } from "../../../functions/src/tracker/handle";
import { generateDroplets, seedRestaurantPlatformAccount, startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { fakeClient, memoryLog, prepareAccount, scenarioConfigJson, setHour } from "./month-scenario";

let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
let db: SqlClient;

const METRICS = /^\/v2\/monitoring\/metrics\//;
const SPEED = 5;

beforeAll(async () => {
  const seed = seedRestaurantPlatformAccount();
  [fake, receiver, database] = await Promise.all([
    startFakeDigitalOcean({ state: { ...seed, droplets: [...seed.droplets, ...generateDroplets(2_000)] } }),
    startHttpReceiver(),
    createTestDatabase(__filename),
  ]);
  db = createPostgresClient({ connectionString: database.url });
  await CostStore.open(db);
  // The fake compiles its spec validators on first use: keep that out of the timed runs.
  const warm = fakeClient(fake);
  await Promise.all([warm.listDroplets(), warm.listInvoices(), warm.listInvoiceItems("preview"), warm.getBalance(), warm.listApps(), warm.listSizes(), warm.getDropletMetric("cpu", { hostId: "1", start: new Date(0), end: new Date(0) })]);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
});

beforeEach(async () => {
  for (const table of ["resource_states", "resource_utilisation", "advice_suggestions", "run_leases"]) await db.query(`DELETE FROM ${table}`);
  fake.setLatency(METRICS, 0);
  fake.reset();
});

const config = () => parseTrackerConfig(scenarioConfigJson(receiver.baseUrl));
const transports = (): Transports => ({ email: async () => undefined, slack: createSlackTransport({ timeoutMs: 5_000 }), webhook: createWebhookTransport({ timeoutMs: 5_000 }) });
const dailyReports = () => receiver.requests.filter((r) => r.path === "/slack/daily");

function adviceOf(outcome: UpkeepOutcome<AdviseResult> | undefined): AdviseResult {
  if (!outcome || "error" in outcome || "stopped" in outcome) throw new Error(`expected the advisor's result, got ${JSON.stringify(outcome)}`);
  return outcome;
}

async function analysedIds(): Promise<Set<string>> {
  const rows = await db.query<{ resource_id: string }>(`SELECT resource_id FROM resource_utilisation`);
  return new Set(rows.map((row) => row.resource_id));
}

/** A clock `SPEED` times faster than the wall, with a sleep to match. */
function timeLapse(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  const startedAt = Date.now();
  return {
    now: () => startedAt + (Date.now() - startedAt) * SPEED,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / SPEED)),
  };
}

/** One run's deadline `seconds` ahead on a fresh time-lapse clock, its read token's meter and client. */
function lapsedRun(seconds: number) {
  const lapse = timeLapse();
  const deadline = runDeadline(lapse.now() + seconds * 1000, { clock: lapse.now });
  const meter = new TokenMeter({ budget: 1_200, perMinute: 200, deadline, now: lapse.now, sleep: lapse.sleep });
  const client = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, meter, timeoutMs: 15_000 / SPEED, sleep: lapse.sleep, now: lapse.now, random: () => 0, retryBaseDelayMs: 1 });
  return { lapse, deadline, meter, client, upkeep: { catalog, advice: { api: client, requests: meter }, calibration: { api: client } } };
}

describe("the daily task and its deadline", () => {
  it("delivers the day's report before any upkeep request, and still delivers it when the deadline leaves no time for upkeep", async () => {
    const lines = prepareAccount(fake.state);
    const now = new Date("2026-03-14T07:00:00Z");
    setHour(fake.state, lines, now);
    const client = fakeClient(fake);
    // The run's clock jumps past the deadline's margin the moment the day's report is delivered.
    let clock = 0;
    const deadline = runDeadline(100_000, { clock: () => clock });
    let requestsBeforeReport: number | undefined;
    const slack = createSlackTransport({ timeoutMs: 5_000 });
    const log = memoryLog();
    const result = await handle("daily", {
      client, db, now, config: config(), log, deadline,
      transports: {
        ...transports(),
        slack: async (url, payload) => {
          await slack(url, payload);
          if (url.endsWith("/slack/daily")) {
            requestsBeforeReport = fake.requests.length;
            clock = 90_000;
          }
        },
      },
      upkeep: { catalog, advice: { api: client, requests: { budget: 1_200, sent: () => 0 } }, calibration: { api: client } },
    });
    if (result.task !== "daily") throw new Error("expected the daily result");
    expect(dailyReports()).toHaveLength(1);
    expect(result.reportRowsEnqueued).toBeGreaterThan(0);
    // Nothing of the upkeep ran before the report: no metric read, no invoice item calibration.
    expect(requestsBeforeReport).toBe(fake.requests.length);
    expect(fake.requests.some((r) => METRICS.test(r.path))).toBe(false);
    expect(result.upkeep).toEqual({ calibration: { stopped: expect.stringContaining("deadline") }, advice: { stopped: expect.stringContaining("deadline") } });
    expect(log.lines.join("\n")).toContain("the savings advisor: not started: the run's deadline is near");
  });

  it("with the deadline 60 s away and slow metrics on 2,000 droplets, returns in time with the report sent and the advisor's progress saved; the next run continues", async () => {
    const lines = prepareAccount(fake.state);
    const now = new Date("2026-03-15T07:00:00Z");
    setHour(fake.state, lines, now);
    fake.setLatency(METRICS, 3_000 / SPEED);
    const first = lapsedRun(60);
    const result = await handle("daily", { client: first.client, db, transports: transports(), now, config: config(), log: memoryLog(), deadline: first.deadline, upkeep: first.upkeep });
    const returnedAt = first.lapse.now();
    if (result.task !== "daily") throw new Error("expected the daily result");
    expect(returnedAt).toBeLessThan(first.deadline.at!);
    expect(dailyReports().length).toBeGreaterThan(0);
    expect(result.upkeep?.calibration).toEqual({ notified: expect.any(Array) });
    const advice = adviceOf(result.upkeep?.advice);
    expect(advice.metrics.stopped).toBe("deadline");
    expect(advice.metrics.analysed).toBeGreaterThan(0);
    expect(advice.metrics.waiting).toBeGreaterThan(1_000);
    expect(first.meter.sent()).toBeLessThanOrEqual(first.meter.budget);
    // Every resource read was saved as it completed, and nothing else.
    const afterFirst = await analysedIds();
    expect(afterFirst.size).toBe(advice.metrics.analysed);
    expect(fake.validationErrors).toEqual([]);

    // The next run (the hourly check an hour later) reads only what the first did not reach.
    fake.reset();
    const nextHour = new Date(now.getTime() + 3_600_000);
    setHour(fake.state, lines, nextHour);
    const second = lapsedRun(60);
    const next = await handle("check", { client: second.client, db, transports: transports(), now: nextHour, config: config(), log: memoryLog(), deadline: second.deadline, upkeep: second.upkeep });
    if (next.task !== "check") throw new Error("expected the check result");
    const continued = adviceOf(next.advice);
    expect(continued.metrics.analysed).toBeGreaterThan(0);
    const readNow = new Set(fake.requests.filter((r) => METRICS.test(r.path)).map((r) => r.query.host_id ?? r.query.lb_id ?? r.query.db_id));
    for (const id of readNow) expect(afterFirst.has(id!)).toBe(false);
    expect((await analysedIds()).size).toBe(afterFirst.size + continued.metrics.analysed);
  }, 90_000);

  it("reads no metrics while another run holds the lease, and advises from what is stored", async () => {
    const lines = prepareAccount(fake.state);
    const now = new Date("2026-03-16T07:00:00Z");
    setHour(fake.state, lines, now);
    const release = await new AdviceStore(db).takeLease("advice:metric-reads", 60_000);
    expect(release).toBeDefined();
    expect(await new AdviceStore(db).takeLease("advice:metric-reads", 60_000)).toBeUndefined();
    try {
      const client = fakeClient(fake);
      const result = await handle("check", { client, db, transports: transports(), now, config: config(), log: memoryLog(), upkeep: { catalog, advice: { api: client, requests: { budget: 1_200, sent: () => 0 } } } });
      if (result.task !== "check") throw new Error("expected the check result");
      expect(adviceOf(result.advice).metrics).toMatchObject({ analysed: 0, stopped: "another-run" });
      expect(fake.requests.some((r) => METRICS.test(r.path))).toBe(false);
    } finally {
      await release?.();
    }
  });
});
