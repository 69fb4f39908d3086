/** Thresholds added through the dashboard's API fire like the config's, to their own recipients; disabled ones do not. */
import { fireThresholds } from "../../../functions/src/tracker/alerts";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let database: TestDatabase;
let db: SqlClient;
let store: CostStore;

beforeAll(async () => {
  database = await createTestDatabase(__filename);
  db = createPostgresClient({ connectionString: database.url });
  store = await CostStore.open(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const config = parseTrackerConfig({
  budgetMonthlyUsd: 300,
  recipients: { webhook: ["https://hooks.forkline.example/config"] },
  thresholds: [{ amountUsd: 10 }, { amountUsd: 100 }],
  spikes: { enabled: false },
  forecast: { enabled: false },
});

it("fires an enabled API threshold once, to its recipients, and never a disabled one", async () => {
  const none = { email: [], slack: [] };
  await store.upsertApiAlert({ id: "api-25", kind: "threshold", thresholdUsd: 25, recipients: { ...none, webhook: ["https://hooks.forkline.example/finance"] }, enabled: true });
  await store.upsertApiAlert({ id: "api-30", kind: "threshold", thresholdUsd: 30, recipients: { ...none, webhook: ["https://hooks.forkline.example/off"] }, enabled: false });
  const now = new Date("2026-11-20T12:00:00Z");

  // $40 month to date: the config's $10 and the API's $25 are crossed; $30 is disabled, $100 not reached.
  expect(await fireThresholds(store, config, 40, now)).toEqual(["threshold:mtd-10:2026-11", "threshold:api-25:2026-11"]);
  expect(await fireThresholds(store, config, 45, now)).toEqual([]); // rerun: nothing new

  const outbox = await store.listOutbox();
  const destinationsOf = (key: string) => outbox.filter((row) => row.dedupeKey.includes(key)).map((row) => row.destination);
  expect(destinationsOf("api-25")).toEqual(["https://hooks.forkline.example/finance"]);
  expect(outbox.some((row) => row.destination === "https://hooks.forkline.example/off")).toBe(false);
});
