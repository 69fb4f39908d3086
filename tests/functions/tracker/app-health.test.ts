/**
 * App Platform watches against the OpenAPI-validated fake DigitalOcean API and a throwaway
 * Postgres: a memory incident is announced once and its recovery once, a blip shorter than the
 * window announces nothing, an incident still open at a month change is not announced again,
 * bandwidth over the allowance is announced once per day, `check` runs the watches, and the
 * config's `apps` section is validated one rule per row. Notifications go to a local webhook
 * receiver through the real outbox.
 */
import { judgeWindow, memoryIncidentKey, memoryRecoveryKey, bandwidthEventKey, checkApps, memorySamples, type MemorySample } from "../../../functions/src/tracker/app-health";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { deliverPending } from "../../../functions/src/notify/outbox";
import { createWebhookTransport } from "../../../functions/src/notify/webhook";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { parseTrackerConfig, TrackerConfigError, type TrackerConfig } from "../../../functions/src/tracker/config";
import { handle } from "../../../functions/src/tracker/handle";
import type { TrackerLog } from "../../../functions/src/tracker/ingest";
import { SEED_NOW, startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

jest.setTimeout(20_000);

const GIB = 2 ** 30;
const MINUTE = 60_000;
const transports = { webhook: createWebhookTransport({ timeoutMs: 5_000 }) };

let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
let db: SqlClient;
let store: CostStore;
let client: DigitalOceanClient;
const warnings: string[] = [];
const log: TrackerLog = { info: () => undefined, warn: (line) => warnings.push(line) };

beforeAll(async () => {
  [fake, receiver, database] = await Promise.all([startFakeDigitalOcean(), startHttpReceiver(), createTestDatabase(__filename)]);
  db = createPostgresClient({ connectionString: database.url });
  store = await CostStore.open(db);
  client = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 2_000, maxRetries: 1 });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
});

afterEach(() => {
  // Every request the watches made and every answer the fake gave matched DigitalOcean's spec.
  expect(fake.validationErrors).toEqual([]);
});

/** A UUID per test app, so each test's incidents live apart in the one database. */
function appId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

/** Registers the app with the fake (bandwidth_daily 404s for unknown apps), copying the seed app. */
function addFakeApp(id: string, name: string): void {
  const seed = fake.state.apps[0]!;
  fake.state.apps.push({ ...seed, id, spec: { ...seed.spec, name } });
}

/** One sample a minute over [from, to] for one component instance, its value by minute. */
function perMinute(component: string, from: string, to: string, percentAt: (at: Date) => number): { metric: Record<string, string>; values: [number, string][] } {
  const values: [number, string][] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += MINUTE) values.push([t / 1000, String(percentAt(new Date(t)))]);
  return { metric: { app_component: component, app_component_instance: `${component}-0` }, values };
}

/** Runs the watches at `now`, delivers what they queued, and returns the keys fired and the webhook bodies received. */
async function runAt(config: TrackerConfig, now: string): Promise<{ fired: string[]; problems: string[]; bodies: Record<string, unknown>[] }> {
  const before = receiver.requests.length;
  const result = await checkApps(client, store, config, new Date(now), log);
  await deliverPending(store, transports, new Date(now));
  const bodies = receiver.requests.slice(before).map((request: ReceivedRequest) => request.body as Record<string, unknown>);
  return { fired: result.fired, problems: result.problems, bodies };
}

function configWith(apps: Record<string, unknown>[]): TrackerConfig {
  return parseTrackerConfig({ budgetMonthlyUsd: 300, recipients: { webhook: [`${receiver.baseUrl}/costs`] }, forecast: { enabled: false }, spikes: { enabled: false }, apps });
}

describe("judgeWindow (threshold 80 %, window 5 min, now 01:00)", () => {
  const now = new Date("2026-03-15T01:00:00Z");
  const at = (hhmm: string) => new Date(`2026-03-15T${hhmm}:00Z`);
  const series = (...points: [string, number][]): MemorySample[] => points.map(([hhmm, percent]) => ({ at: at(hhmm), percent }));
  it.each<[string, MemorySample[], ReturnType<typeof judgeWindow>]>([
    ["above from exactly the window start 00:55", series(["00:54", 70], ["00:55", 81], ["00:58", 95], ["01:00", 90]), { state: "above", since: at("00:55"), peakPercent: 95 }],
    ["above since before the window: since is where the run began, peak only inside the window", series(["00:40", 99], ["00:50", 85], ["00:56", 82], ["01:00", 84]), { state: "above", since: at("00:40"), peakPercent: 84 }],
    ["above one minute short of the window (from 00:56) is mixed", series(["00:55", 70], ["00:56", 90], ["01:00", 90]), { state: "mixed" }],
    ["exactly 80 is not above: at or below since 00:50", series(["00:50", 80], ["00:57", 79], ["01:00", 80]), { state: "below", since: at("00:50"), peakPercent: 80 }],
    ["a later sample than now is ignored", series(["00:50", 60], ["01:00", 60], ["01:01", 99]), { state: "below", since: at("00:50"), peakPercent: 60 }],
    ["last sample before the window start is no data", series(["00:50", 99], ["00:54", 99]), { state: "no-data" }],
    ["no samples", [], { state: "no-data" }],
  ])("%s", (_name, samples, expected) => {
    expect(judgeWindow(samples, 80, 5, now)).toEqual(expected);
  });

  it("takes the highest component at each instant: api 30 % and worker 91 % at 00:55 is 91 %", () => {
    const samples = memorySamples({
      status: "success",
      data: {
        resultType: "matrix",
        result: [
          { metric: { app_component: "api" }, values: [[1773536100, "30"], [1773536160, "35"]] },
          { metric: { app_component: "worker" }, values: [[1773536100, "91"], [1773536160, "20"]] },
        ],
      },
    });
    // 1773536100 s = 2026-03-15T00:55:00Z; max(30, 91) = 91, then max(35, 20) = 35.
    expect(samples).toEqual([
      { at: new Date("2026-03-15T00:55:00Z"), percent: 91 },
      { at: new Date("2026-03-15T00:56:00Z"), percent: 35 },
    ]);
  });
});

describe("memory incidents", () => {
  it("announces an incident once, its recovery once, and a new incident after that", async () => {
    const id = appId(1);
    addFakeApp(id, "orders-api");
    // The api stays at 30 %; the worker is 50 % until 00:45, 91 % from 00:45 to 02:39,
    // 40 % from 02:40, and 95 % again from 03:35: the app's memory is the worker's.
    const worker = (t: Date) => {
      const hhmm = t.toISOString().slice(11, 16);
      return hhmm < "00:45" ? 50 : hhmm < "02:40" ? 91 : hhmm < "03:35" ? 40 : 95;
    };
    fake.state.appMetrics[id] = {
      memory_percentage: [perMinute("api", "2026-03-14T22:00:00Z", "2026-03-15T05:00:00Z", () => 30), perMinute("worker", "2026-03-14T22:00:00Z", "2026-03-15T05:00:00Z", worker)],
    };
    const config = configWith([{ name: "orders-api", appId: id, memoryThresholdPercent: 80, window: "10m", webhook: [`${receiver.baseUrl}/apps`] }]);
    const firstStart = new Date("2026-03-15T00:45:00Z");

    // 01:00: window 00:50-01:00 is all 91 %, above since 00:45.
    const opened = await runAt(config, "2026-03-15T01:00:00Z");
    expect(opened.fired).toEqual([memoryIncidentKey(id, firstStart)]);
    expect(opened.bodies).toEqual([
      expect.objectContaining({ type: "app_memory_high", appId: id, app: "orders-api", thresholdPercent: 80, window: "10m", incidentStart: "2026-03-15T00:45:00.000Z", peakPercent: 91 }),
    ]);
    // The rerun of the same hour and the next hour, still at 91 %: nothing new.
    expect((await runAt(config, "2026-03-15T01:00:00Z")).bodies).toEqual([]);
    expect((await runAt(config, "2026-03-15T02:00:00Z")).fired).toEqual([]);
    // 02:45: window 02:35-02:45 is 91 % then 40 % from 02:40 — neither side covers it; still open.
    expect((await runAt(config, "2026-03-15T02:45:00Z")).fired).toEqual([]);

    // 03:00: window 02:50-03:00 all 40 %, at or below since 02:40: the one recovery.
    const recovered = await runAt(config, "2026-03-15T03:00:00Z");
    expect(recovered.fired).toEqual([memoryRecoveryKey(id, firstStart)]);
    expect(recovered.bodies).toEqual([expect.objectContaining({ type: "app_memory_recovered", incidentStart: "2026-03-15T00:45:00.000Z", recoveredAt: "2026-03-15T02:40:00.000Z" })]);
    expect((await runAt(config, "2026-03-15T03:30:00Z")).fired).toEqual([]);

    // 04:00: above again since 03:35 — a new incident with its own key.
    const again = await runAt(config, "2026-03-15T04:00:00Z");
    expect(again.fired).toEqual([memoryIncidentKey(id, new Date("2026-03-15T03:35:00Z"))]);
    expect(again.bodies).toHaveLength(1);

    const events = (await store.listAlertEvents("2026-03")).filter((event) => event.alertKey.includes(id));
    expect(events.map((event) => event.alertKey)).toEqual([memoryIncidentKey(id, firstStart), memoryRecoveryKey(id, firstStart), memoryIncidentKey(id, new Date("2026-03-15T03:35:00Z"))]);
  });

  it("announces nothing for a blip shorter than the window", async () => {
    const id = appId(2);
    addFakeApp(id, "menu-web");
    // 88 % from 00:55 to 00:58 (4 minutes) in a 5-minute window, 50 % otherwise.
    const blip = (t: Date) => (t >= new Date("2026-03-15T00:55:00Z") && t <= new Date("2026-03-15T00:58:00Z") ? 88 : 50);
    fake.state.appMetrics[id] = { memory_percentage: [perMinute("web", "2026-03-14T22:00:00Z", "2026-03-15T02:00:00Z", blip)] };
    const config = configWith([{ name: "menu-web", appId: id, window: "5m" }]);
    // Inside the blip (window 00:53:30-00:58:30 starts at 50 %), just after it, and an hour on.
    for (const now of ["2026-03-15T00:58:30Z", "2026-03-15T01:00:00Z", "2026-03-15T02:00:00Z"]) {
      const run = await runAt(config, now);
      expect({ now, fired: run.fired, bodies: run.bodies }).toEqual({ now, fired: [], bodies: [] });
    }
  });

  it("keeps one incident open across two month ends and files its recovery under the month it began", async () => {
    const id = appId(3);
    addFakeApp(id, "orders-worker");
    // Above from 2026-03-31T22:30 until 2026-05-01T00:30, then 40 %; samples only around the checks.
    const value = (t: Date) => (t < new Date("2026-03-31T22:30:00Z") || t >= new Date("2026-05-01T00:30:00Z") ? 40 : 90);
    fake.state.appMetrics[id] = {
      memory_percentage: [
        perMinute("worker", "2026-03-31T20:00:00Z", "2026-04-01T00:00:00Z", value),
        perMinute("worker", "2026-04-30T21:00:00Z", "2026-05-01T01:00:00Z", value),
      ],
    };
    const config = configWith([{ name: "orders-worker", appId: id, window: "30m" }]);
    const start = new Date("2026-03-31T22:30:00Z");

    expect((await runAt(config, "2026-03-31T23:00:00Z")).fired).toEqual([memoryIncidentKey(id, start)]);
    // April's first run carries the incident into April; May's first run finds it there.
    expect((await runAt(config, "2026-04-01T00:00:00Z")).bodies).toEqual([]);
    // 2026-05-01T00:00: the 2-hour lookback starts 2026-04-30T21:30, after the incident began: without the carry this would look new.
    expect((await runAt(config, "2026-05-01T00:00:00Z")).bodies).toEqual([]);
    const recovered = await runAt(config, "2026-05-01T01:00:00Z");
    expect(recovered.fired).toEqual([memoryRecoveryKey(id, start)]);
    expect(recovered.bodies).toHaveLength(1);
    expect((await store.firedAlertKeys("2026-03")).filter((key) => key.includes(id))).toEqual([memoryIncidentKey(id, start), memoryRecoveryKey(id, start)]);
    expect((await runAt(config, "2026-05-01T02:00:00Z")).fired).toEqual([]);
  });
});

describe("bandwidth", () => {
  it("announces a day over the allowance once, asks DigitalOcean for that day only until then, and not a day under it", async () => {
    const id = appId(4);
    addFakeApp(id, "images-cdn");
    // 2026-03-14: 1.5 GiB = 1,610,612,736 bytes over a 1 GiB allowance; 2026-03-15: 0.5 GiB = 536,870,912 bytes.
    fake.state.appBandwidthDaily[id] = { "2026-03-14": String(1.5 * GIB), "2026-03-15": String(0.5 * GIB) };
    const config = configWith([{ name: "images-cdn", appId: id, bandwidthAllowanceGiBPerDay: 1 }]);
    const bandwidthCalls = () => fake.requests.filter((request) => request.path === `/v2/apps/${id}/metrics/bandwidth_daily`);

    const first = await runAt(config, "2026-03-15T06:00:00Z");
    expect(first.fired).toEqual([bandwidthEventKey(id, "2026-03-14")]);
    expect(first.bodies).toEqual([expect.objectContaining({ type: "app_bandwidth_over_allowance", appId: id, date: "2026-03-14", usedGiB: 1.5, allowanceGiB: 1 })]);
    expect(bandwidthCalls().map((request) => request.query.date)).toEqual(["2026-03-14T00:00:00.000Z"]);

    // The later hours of the same day: no new alert and no new request.
    expect((await runAt(config, "2026-03-15T07:00:00Z")).fired).toEqual([]);
    expect(await runAt(config, "2026-03-15T23:00:00Z")).toEqual({ fired: [], problems: [], bodies: [] });
    expect(bandwidthCalls()).toHaveLength(1);

    // The next day looks at 2026-03-15, 0.5 GiB: under the allowance, so nothing.
    expect((await runAt(config, "2026-03-16T06:00:00Z")).fired).toEqual([]);
    expect(bandwidthCalls().map((request) => request.query.date)).toEqual(["2026-03-14T00:00:00.000Z", "2026-03-15T00:00:00.000Z"]);
  });

  it("lists an app DigitalOcean does not know as a problem and still checks the others", async () => {
    const known = appId(5);
    addFakeApp(known, "known-app");
    fake.state.appBandwidthDaily[known] = { "2026-03-19": String(3 * GIB) };
    const unknown = appId(6);
    const config = configWith([
      { name: "gone-app", appId: unknown, bandwidthAllowanceGiBPerDay: 1 },
      { name: "known-app", appId: known, bandwidthAllowanceGiBPerDay: 2 },
    ]);
    const run = await runAt(config, "2026-03-20T06:00:00Z");
    expect(run.fired).toEqual([bandwidthEventKey(known, "2026-03-19")]);
    expect(run.problems).toEqual([expect.stringMatching(new RegExp(`^app gone-app \\(${unknown}\\) not checked: .*404`))]);
    expect(warnings).toContain(run.problems[0]);
  });
});

describe("check", () => {
  it("runs the app watches after the cost checks and delivers their notifications", async () => {
    const seedApp = fake.state.apps[0]!;
    // The seed app: 92 % for the hour before SEED_NOW; 2026-03-14 served 2,104,509,440 bytes = 1.96 GiB.
    fake.state.appMetrics[seedApp.id!] = { memory_percentage: [perMinute("api", new Date(SEED_NOW.getTime() - 3_600_000).toISOString(), SEED_NOW.toISOString(), () => 92)] };
    const config = configWith([{ name: "restaurant-web", appId: seedApp.id, window: "1h", bandwidthAllowanceGiBPerDay: 1.5, webhook: [`${receiver.baseUrl}/apps`] }]);
    const before = receiver.requests.length;
    const result = await handle("check", { client, db, transports, now: SEED_NOW, config, log });
    if (result.task !== "check") throw new Error(`expected a check result, got ${result.task}`);
    const start = new Date(SEED_NOW.getTime() - 3_600_000);
    expect(result.check.apps).toEqual({ fired: [memoryIncidentKey(seedApp.id!, start), bandwidthEventKey(seedApp.id!, "2026-03-14")], problems: [] });
    const appBodies = receiver.requests.slice(before).filter((request) => request.path === "/apps").map((request) => (request.body as { type: string }).type);
    expect(appBodies.sort()).toEqual(["app_bandwidth_over_allowance", "app_memory_high"]);
  });
});

describe("config apps section", () => {
  const base = { budgetMonthlyUsd: 300, recipients: { webhook: ["https://hooks.example.com/costs"] } };
  const problemsOf = (apps: unknown): string[] => {
    try {
      parseTrackerConfig({ ...base, apps });
      return [];
    } catch (error) {
      if (!(error instanceof TrackerConfigError)) throw error;
      return [...error.problems];
    }
  };
  const good = { name: "orders-api", appId: appId(7) };

  it("defaults to 80 % over 5 minutes, the top-level recipients and no bandwidth check", () => {
    const config = parseTrackerConfig({ ...base, apps: [good, { ...good, appId: appId(8), window: "1h", memoryThresholdPercent: 92.5, bandwidthAllowanceGiBPerDay: 40, email: ["ops@restaurant.example"] }], email: { from: "ops@restaurant.example" } });
    expect(config.apps).toEqual([
      { name: "orders-api", appId: appId(7), memoryThresholdPercent: 80, window: "5m", windowMinutes: 5, team: "default", recipients: { email: [], slack: [], webhook: ["https://hooks.example.com/costs"] } },
      { name: "orders-api", appId: appId(8), memoryThresholdPercent: 92.5, window: "1h", windowMinutes: 60, bandwidthAllowanceGiBPerDay: 40, team: "default", recipients: { email: ["ops@restaurant.example"], slack: [], webhook: [] } },
    ]);
    expect(parseTrackerConfig(base).apps).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ["not a list", { name: "x" }, 'apps must be a list (got {"name":"x"})'],
    ["an entry that is not an object", ["orders-api"], 'apps[0] must be an object (got "orders-api")'],
    ["an unknown key", [{ ...good, windowMinutes: 5 }], "apps[0] has unknown key windowMinutes (allowed: name, appId, memoryThresholdPercent, window, bandwidthAllowanceGiBPerDay, team, email, slack, webhook)"],
    ["an empty name", [{ ...good, name: " " }], 'apps[0].name must be a non-empty name for the app'],
    ["an app id that is not a UUID", [{ ...good, appId: "orders-api" }], 'apps[0].appId must be an App Platform app id (a UUID) (got "orders-api")'],
    ["the same app twice", [good, { ...good, name: "again" }], `apps[1].appId repeats apps[0].appId (got ${appId(7)})`],
    ["a threshold of 100 %", [{ ...good, memoryThresholdPercent: 100 }], "apps[0].memoryThresholdPercent must be a percent between 0 and 100 (got 100)"],
    ["a threshold as text", [{ ...good, memoryThresholdPercent: "80" }], 'apps[0].memoryThresholdPercent must be a percent between 0 and 100 (got "80")'],
    ["a window monitor alerts do not have", [{ ...good, window: "15m" }], 'apps[0].window must be one of 5m, 10m, 30m, 1h (got "15m")'],
    ["a zero bandwidth allowance", [{ ...good, bandwidthAllowanceGiBPerDay: 0 }], "apps[0].bandwidthAllowanceGiBPerDay must be a positive number of GiB (got 0)"],
  ])("%s", (_name, apps, problem) => {
    expect(problemsOf(apps)).toEqual([problem]);
  });

  it("needs recipients when there are no top-level ones, and email.from for an email recipient", () => {
    const problems = (() => {
      try {
        parseTrackerConfig({ budgetMonthlyUsd: 300, thresholds: [{ amountUsd: 10, webhook: ["https://hooks.example.com/t"] }], forecast: { enabled: false }, spikes: { enabled: false }, apps: [good, { ...good, appId: appId(9), email: ["ops@restaurant.example"] }] });
        return [];
      } catch (error) {
        return [...(error as TrackerConfigError).problems];
      }
    })();
    expect(problems).toEqual(["apps[0] must list at least one email, slack or webhook recipient (or set top-level recipients)", "email.from must be set when any recipient is an email address"]);
  });
});
