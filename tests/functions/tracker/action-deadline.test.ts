/**
 * The scheduled action reads its deadline where DigitalOcean's runtime puts it, OpenWhisk's
 * `__OW_DEADLINE` in the environment, at every invocation (issue 14, point 7), on the real
 * clock: a daily run 30 s from its deadline (10 s of work before the 20 s margin) on 2,000
 * droplets whose metrics answer in a second returns before the deadline with its report sent
 * and the advisor's reading saved; the next hourly check, with a deadline of its own, continues.
 */
import { generateDroplets, seedRestaurantPlatformAccount, startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { closeWarmState, main, type TrackerActionParams, type TrackerActionSummary } from "../../../functions/packages/cost-tracker/tracker/index";
import { createPostgresClient } from "../../../functions/src/store/pg-client";

let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
const METRICS = /^\/v2\/monitoring\/metrics\//;

beforeAll(async () => {
  const seed = seedRestaurantPlatformAccount();
  [fake, receiver, database] = await Promise.all([
    startFakeDigitalOcean({ state: { ...seed, droplets: [...seed.droplets, ...generateDroplets(2_000)] } }),
    startHttpReceiver(),
    createTestDatabase(__filename),
  ]);
  jest.spyOn(console, "log").mockImplementation(() => undefined);
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
});

afterAll(async () => {
  delete process.env.__OW_DEADLINE;
  jest.restoreAllMocks();
  await closeWarmState();
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
});

function params(task: "check" | "daily" | "weekly"): TrackerActionParams {
  return {
    DIGITALOCEAN_TOKEN: fake.token,
    DATABASE_URL: database.url,
    DIGITALOCEAN_API_URL: fake.url,
    name: task,
    TRACKER_CONFIG: JSON.stringify({
      budgetMonthlyUsd: 100_000,
      thresholds: [{ amountUsd: 90_000, webhook: [`${receiver.baseUrl}/hooks/far-above`] }],
      forecast: { enabled: false },
      spikes: { enabled: false },
      reports: { daily: { enabled: true, webhook: [`${receiver.baseUrl}/hooks/daily`] }, weekly: { enabled: false } },
      calibration: { enabled: false },
    }),
  };
}

async function analysed(): Promise<Set<string>> {
  const db = createPostgresClient({ connectionString: database.url });
  try {
    return new Set((await db.query<{ resource_id: string }>(`SELECT resource_id FROM resource_utilisation`)).map((row) => row.resource_id));
  } finally {
    await db.close();
  }
}

it("stops a daily run before __OW_DEADLINE with the report sent and the reading saved; the next check continues", async () => {
  // A cold start first (migrations, the pool, the fake's validators), as a warm container would have had.
  delete process.env.__OW_DEADLINE;
  expect(await main(params("weekly"))).toMatchObject({ task: "weekly" });
  fake.setLatency(METRICS, 1_000);
  let deadline = Date.now() + 30_000;
  process.env.__OW_DEADLINE = String(deadline);
  const daily = (await main(params("daily"))) as TrackerActionSummary;
  expect(Date.now()).toBeLessThan(deadline);
  expect(daily).toMatchObject({ task: "daily", upkeep: { advice: "stopped" } });
  expect(receiver.requests.filter((r) => r.path === "/hooks/daily")).toHaveLength(1);
  const first = await analysed();
  expect(first.size).toBeGreaterThan(0);
  expect(first.size).toBeLessThan(500);

  // The runtime sets a new deadline before each activation; a warm container must not keep the old one.
  fake.reset();
  deadline = Date.now() + 30_000;
  process.env.__OW_DEADLINE = String(deadline);
  const check = (await main(params("check"))) as TrackerActionSummary;
  expect(Date.now()).toBeLessThan(deadline);
  expect(check).toMatchObject({ task: "check", upkeep: { advice: "stopped" } });
  expect(check.requests).toBe(fake.requests.length);
  const readNow = new Set(fake.requests.filter((r) => METRICS.test(r.path)).map((r) => r.query.host_id));
  expect(readNow.size).toBeGreaterThan(0);
  for (const id of readNow) expect(first.has(id!)).toBe(false);
}, 90_000);
