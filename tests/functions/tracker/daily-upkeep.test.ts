/**
 * The deployed daily task's upkeep after the check: the savings advisor (its suggestions stored
 * for the dashboard and the weekly report), the catalog calibration and the clean-up, each as
 * the config enables it; a part that fails is logged and neither stops the others nor the report.
 */
import { defaultCatalog as catalog } from "../../../core/pricing";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { handle } from "../../../functions/src/tracker/handle";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { fakeClient, memoryLog, prepareAccount, scenarioConfigJson, setHour } from "./month-scenario";

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
const config = () => parseTrackerConfig({ ...scenarioConfigJson(receiver.baseUrl), cleanup: { enabled: true } });

it("daily runs the advisor, the calibration and a preview clean-up after the check, and stores the advice", async () => {
  const lines = prepareAccount(fake.state);
  const now = new Date("2026-03-14T07:00:00Z");
  setHour(fake.state, lines, now);
  const client = fakeClient(fake);
  fake.reset();
  const result = await handle("daily", {
    client, db, transports, now, config: config(), log: memoryLog(),
    upkeep: { catalog, advice: { api: client, requests: { budget: 1_000, sent: () => 0 } }, calibration: { api: client }, cleanup: { read: client, write: client } },
  });
  if (result.task !== "daily" || !result.upkeep) throw new Error("expected the daily result with its upkeep");
  const { advice, calibration, cleanup } = result.upkeep;
  if (!advice || "error" in advice || "stopped" in advice) throw new Error(`advice failed: ${JSON.stringify(advice)}`);
  const stored = await new AdviceStore(db).listSuggestions();
  expect(stored.map((s) => s.id).sort()).toEqual(advice.suggestions.map((s) => s.id).sort());
  expect(stored.length).toBeGreaterThan(0);
  expect(calibration).not.toHaveProperty("error");
  // apply is off in the config: the write client is not handed over, nothing is written, and
  // notices go out as previews through the outbox (delivered in the same run).
  expect(cleanup).toMatchObject({ mode: "preview", delivery: expect.objectContaining({ failed: 0 }) });
  expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
  expect(result.reportRowsEnqueued).toBeGreaterThan(0);
});

it("a part that fails is logged; the others and the report still run", async () => {
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
  const result = await handle("daily", { client, db, transports, now, config: config(), log, upkeep: { catalog, advice: { api: failing, requests: { budget: 1_000, sent: () => 0 } }, calibration: { api: client } } });
  if (result.task !== "daily") throw new Error("expected the daily result");
  expect(result.upkeep?.advice).toEqual({ error: "droplets unreadable" });
  expect(log.lines.join("\n")).toContain("the savings advisor could not run: droplets unreadable");
  expect(result.upkeep?.calibration).not.toHaveProperty("error");
  expect(result.reportRowsEnqueued).toBeGreaterThan(0);
});

it("weekly does no upkeep, and a config that disables a part skips it", async () => {
  const client = fakeClient(fake);
  const upkeep = { catalog, advice: { api: client, requests: { budget: 1_000, sent: () => 0 } }, calibration: { api: client } };
  const weekly = await handle("weekly", { client, db, transports, now: new Date("2026-03-16T07:00:00Z"), config: config(), log: memoryLog(), upkeep });
  expect(weekly.task === "weekly" && weekly.upkeep).toBeFalsy();
  const off = parseTrackerConfig({ ...scenarioConfigJson(receiver.baseUrl), advice: { enabled: false }, calibration: { enabled: false } });
  const daily = await handle("daily", { client, db, transports, now: new Date("2026-03-16T07:00:00Z"), config: off, log: memoryLog(), upkeep });
  expect(daily.task === "daily" && daily.upkeep).toEqual({});
});

it("an applied daily clean-up sends the notice first and acts only graceDays after it was delivered", async () => {
  const client = fakeClient(fake);
  const target = fake.state.droplets[0]!;
  target.tags = [...target.tags, "expires:2026-03-01"];
  const applied = parseTrackerConfig({ ...scenarioConfigJson(receiver.baseUrl), cleanup: { enabled: true, apply: true } });
  const sent: { channel: string; payload: Record<string, unknown> }[] = [];
  const recording = {
    email: async (_to: string, payload: Record<string, unknown>) => void sent.push({ channel: "email", payload }),
    slack: async (_url: string, payload: Record<string, unknown>) => void sent.push({ channel: "slack", payload }),
    webhook: async (_url: string, payload: Record<string, unknown>) => void sent.push({ channel: "webhook", payload }),
  };
  const daily = (now: Date) => handle("daily", { client, db, transports: recording, now, config: applied, log: memoryLog(), upkeep: { catalog, cleanup: { read: client, write: client } } });
  const cleanupOf = async (now: Date) => {
    const result = await daily(now);
    const report = result.task === "daily" ? result.upkeep?.cleanup : undefined;
    if (!report || "error" in report || "stopped" in report) throw new Error(`clean-up failed: ${JSON.stringify(report)}`);
    return report.actions.find((a) => a.resource.id === String(target.id));
  };

  fake.reset();
  expect(await cleanupOf(new Date("2026-03-17T07:00:00Z"))).toMatchObject({ state: "marked", run: "notice-queued" });
  expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
  // The forecast's audience (email and Slack) heard it, as a real notice rather than a preview.
  const notices = sent.filter((s) => JSON.stringify(s.payload).includes("Clean-up notice"));
  expect(notices.map((s) => s.channel).sort()).toEqual(["email", "slack"]);
  expect(JSON.stringify(notices)).not.toContain("[Preview]");

  expect(await cleanupOf(new Date("2026-03-18T07:00:00Z"))).toMatchObject({ state: "notice-delivered", actsOn: "2026-03-19" });
  expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
  expect(await cleanupOf(new Date("2026-03-19T07:00:00Z"))).toMatchObject({ state: "acted", run: "done" });
  expect(fake.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`)).toEqual([`POST /v2/droplets/${target.id}/actions`, `DELETE /v2/droplets/${target.id}`]);
});
