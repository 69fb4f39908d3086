/**
 * The deployed daily task runs the savings advisor after the check: its suggestions are stored
 * for the dashboard and the weekly report, and an advisor that fails is logged without holding
 * back the day's report.
 */
import { resolveAdviceSettings } from "../../../core/advice";
import { defaultCatalog } from "../../../core/pricing";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { handle } from "../../../functions/src/tracker/handle";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { fakeClient, memoryLog, prepareAccount, scenarioConfig, setHour } from "./month-scenario";

let fake: FakeDigitalOcean;
let receiver: HttpReceiver;
let database: TestDatabase;
let db: SqlClient;

beforeAll(async () => {
  [fake, receiver, database] = await Promise.all([startFakeDigitalOcean(), startHttpReceiver(), createTestDatabase(__filename)]);
  db = createPostgresClient({ connectionString: database.url });
  await CostStore.open(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await Promise.all([fake?.close(), receiver?.close()]);
});

const transports = { slack: async () => undefined, webhook: async () => undefined, email: async () => undefined };

it("daily runs the advisor after the check and stores what it found", async () => {
  const lines = prepareAccount(fake.state);
  const now = new Date("2026-03-14T07:00:00Z");
  setHour(fake.state, lines, now);
  const client = fakeClient(fake);
  const result = await handle("daily", {
    client, db, transports, now, config: scenarioConfig(receiver.baseUrl), log: memoryLog(),
    advice: { api: client, catalog: defaultCatalog, settings: resolveAdviceSettings(), requestBudget: 1_000, requestsSent: () => 0 },
  });
  if (result.task !== "daily") throw new Error("expected the daily result");
  expect(result.advice).toBeDefined();
  expect("error" in result.advice!).toBe(false);
  const stored = await new AdviceStore(db).listSuggestions();
  expect(stored.map((s) => s.id).sort()).toEqual(("suggestions" in result.advice! ? result.advice.suggestions : []).map((s) => s.id).sort());
  // The restaurant seed has an unassigned reserved IP and an old-enough-to-judge inventory: at least the untagged and snapshot rules see it.
  expect(stored.length).toBeGreaterThan(0);
  expect(result.reportRowsEnqueued).toBeGreaterThan(0);
});

it("an advisor that fails is logged and the report still goes out", async () => {
  const now = new Date("2026-03-15T07:00:00Z");
  const client = fakeClient(fake);
  const log = memoryLog();
  // The advisor's own client, with one read failing; the check's client is untouched.
  const failing = new Proxy(client, {
    get: (target, name) => {
      if (name === "listDroplets") return async () => Promise.reject(new Error("droplets unreadable"));
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const result = await handle("daily", {
    client, db, transports, now, config: scenarioConfig(receiver.baseUrl), log,
    advice: { api: failing, catalog: defaultCatalog, settings: resolveAdviceSettings(), requestBudget: 1_000, requestsSent: () => 0 },
  });
  if (result.task !== "daily") throw new Error("expected the daily result");
  expect(result.advice).toEqual({ error: "droplets unreadable" });
  expect(log.lines.join("\n")).toContain("the savings advisor could not run: droplets unreadable");
  expect(result.reportRowsEnqueued).toBeGreaterThan(0);
});
