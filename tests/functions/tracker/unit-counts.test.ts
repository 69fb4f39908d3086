/**
 * The unit count (active restaurants, …) as the daily and weekly runs keep it: read once per run,
 * stored with the instant it was read, a failed or nonsensical read stored as unknown (null)
 * and logged, never thrown; nothing stored when no units are configured. The dashboard divides
 * by these rows (GET /api/v1/billing/units), so they are what this test checks.
 */
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { handle, type TrackerDeps } from "../../../functions/src/tracker/handle";
import type { UnitResolver } from "../../../functions/src/tracker/reports";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { fakeClient, memoryLog, prepareAccount, scenarioConfigJson, setHour } from "./month-scenario";

let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
let db: SqlClient;
let store: CostStore;

beforeAll(async () => {
  [fake, receiver, database] = await Promise.all([startFakeDigitalOcean(), startHttpReceiver(), createTestDatabase(__filename)]);
  db = createPostgresClient({ connectionString: database.url });
  store = await CostStore.open(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
});

const transports = { slack: async () => undefined, webhook: async () => undefined, email: async () => undefined };

const RESTAURANTS = { name: "active restaurant", source: { kind: "count", value: 140 } };

async function run(task: "daily" | "weekly" | "check", iso: string, resolveUnits?: UnitResolver, units: typeof RESTAURANTS | "none" = RESTAURANTS) {
  const lines = prepareAccount(fake.state);
  const now = new Date(iso);
  setHour(fake.state, lines, now);
  const log = memoryLog();
  const json: Record<string, unknown> = { ...scenarioConfigJson(receiver.baseUrl), units };
  if (units === "none") delete json.units;
  const deps: TrackerDeps = { client: fakeClient(fake), db, transports, now, config: parseTrackerConfig(json), log, ...(resolveUnits ? { resolveUnits } : {}) };
  await handle(task, deps);
  return log;
}

it("daily and weekly keep the count with the instant it was read; check does not read it", async () => {
  await run("daily", "2026-03-10T07:00:00Z");
  await run("check", "2026-03-10T08:00:00Z");
  await run("weekly", "2026-03-16T07:00:00Z", async () => 152);
  expect(await store.listUnitCounts(new Date("2026-03-01T00:00:00Z"), new Date("2026-04-01T00:00:00Z"))).toEqual([
    { readAt: new Date("2026-03-10T07:00:00Z"), unitName: "active restaurant", units: 140, sourceKind: "count" },
    { readAt: new Date("2026-03-16T07:00:00Z"), unitName: "active restaurant", units: 152, sourceKind: "count" },
  ]);
});

it.each([
  ["a source that fails", async () => Promise.reject(new Error("units.source.url answered 503")), 'unit count for "active restaurant" unavailable: units.source.url answered 503'],
  ["a source that answers something that is not a count", async () => Number("twelve"), 'unit count for "active restaurant" is not a count >= 0 (got NaN); kept as unknown'],
  ["a negative count", async () => -3, "is not a count >= 0 (got -3)"],
] as [string, UnitResolver, string][])("keeps %s as unknown (null) and logs why; the run still succeeds", async (_case, resolver, warning) => {
  const at = new Date("2026-03-20T07:00:00Z");
  const log = await run("daily", at.toISOString(), resolver);
  expect(log.lines.join("\n")).toContain(warning);
  expect(await store.latestUnitCount(at)).toEqual({ readAt: at, unitName: "active restaurant", units: null, sourceKind: "count" });
  await db.query("DELETE FROM unit_counts WHERE read_at = $1", [at]);
});

it("stores nothing when no units are configured", async () => {
  await db.query("DELETE FROM unit_counts");
  await run("daily", "2026-03-21T07:00:00Z", undefined, "none");
  expect(await store.latestUnitCount(new Date("2026-04-01T00:00:00Z"))).toBeNull();
});
