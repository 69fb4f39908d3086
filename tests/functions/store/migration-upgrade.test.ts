/**
 * Migration 8 (rows per team) upgrading a database of the previous schema (migrations 1–7) that
 * holds a month of data, on both store backends: the month replay (month-scenario.ts: the
 * back-fill, 744 hourly checks, a daily run each morning and a weekly one each Monday) fills
 * the billing tables, and the advisor's, clean-up's and calibration's tables get rows of their
 * own. The rows are copied into a database at version 7 as they are, the upgrade runs, and:
 * every row is still there with every value unchanged, all of them the implicit team's
 * (`default`), every balance check a `balance` reading; and the next runs on the upgraded
 * database do exactly what they do on a database that was never upgraded, sending nothing twice.
 */
import { CostStore } from "../../../functions/src/store/cost-store";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { CalibrationStore } from "../../../functions/src/store/calibration-store";
import { MIGRATIONS, migrate } from "../../../functions/src/store/migrations";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { handle, type TrackerDeps } from "../../../functions/src/tracker/handle";
import type { Transports } from "../../../functions/src/notify/outbox";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { MONTH_START, everyHourOfTheMonth, fakeClient, memoryLog, prepareAccount, scenarioConfig, setHour } from "../tracker/month-scenario";
import { openBackend, STORE_BACKENDS, type BackendFixture } from "./backends";

jest.setTimeout(180_000);

/** Every table of version 7, parents before the rows that refer to them. */
const VERSION_7_TABLES = [
  "spend_snapshots", "billing_history", "resource_daily_cost", "cost_alerts", "alert_events", "resource_states", "resource_utilisation", "advice_suggestions",
  "cleanup_actions", "cleanup_marks", "run_leases", "advised_snapshots", "price_calibration", "stack_reconciliation", "unit_counts", "notification_outbox",
] as const;
const NOW = new Date("2026-03-31T12:00:00Z");
/** Transports that accept everything: the replay is about what is stored, not what is sent. */
const ACCEPT_ALL: Transports = { email: async () => undefined, slack: async () => undefined, webhook: async () => undefined };

let fake: FakeDigitalOcean;
let source: TestDatabase;
let sourceDb: SqlClient;
/** The month's rows as version 7 holds them: each table's rows as JSON, by table. */
const month = new Map<string, Record<string, unknown>[]>();
/** The same rows as version 8 wrote them (team and source included): a database that never needed the upgrade. */
const asWritten = new Map<string, Record<string, unknown>[]>();
let lines: ReturnType<typeof prepareAccount>;

function deps(db: SqlClient, now: Date): TrackerDeps {
  return { client: fakeClient(fake), db, transports: ACCEPT_ALL, now, config: scenarioConfig("http://127.0.0.1:9"), log: memoryLog() };
}

/** A table's rows as JSON objects, in a stable order. */
async function rowsOf(db: SqlClient, table: string): Promise<Record<string, unknown>[]> {
  const rows = await db.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`);
  return rows.map((entry) => entry.row);
}

/** The rows without the columns version 8 added: `team` everywhere, and the spend snapshots' `source`. */
function withoutNew(table: string, rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map(({ team: _team, ...rest }) => {
    if (table === "spend_snapshots") delete rest.source;
    return rest;
  });
}

/** Rows for the tables the billing replay does not touch, written as the advisor, clean-up and calibration write them. */
async function upkeepRows(db: SqlClient): Promise<void> {
  const advice = new AdviceStore(db);
  await advice.observeStates("droplet", [{ id: "402110099", state: "off" }], new Date("2026-03-10T06:00:00Z"));
  await advice.saveUtilisation("droplet", "402110001", { cpuP95Pct: 7.5, memoryP95Pct: 30, coveredHours: 160 }, new Date("2026-03-20T06:00:00Z"));
  const suggestion = { id: "droplet-off:droplet:402110099", rule: "droplet-off", resource: { kind: "droplet" as const, id: "402110099", name: "staging-sandbox" }, action: "snapshot, then destroy", reason: "off for 21 days", monthlySavingsUsd: 6, evidence: { offDays: 21 } };
  await advice.replaceSuggestions([suggestion], new Date("2026-03-31T06:00:00Z"));
  await advice.dismissSuggestion(suggestion.id);
  await advice.recordAdvisedSnapshots([{ snapshotId: "9000001", suggestionId: suggestion.id, advisedSince: new Date("2026-03-30T06:00:00Z") }], ["9000001"], new Date("2026-03-31T06:00:00Z"));
  // An unexpired lease, as a run killed while reading metrics leaves it.
  await advice.takeLease("advice-metric-reads", 3_600_000, NOW.getTime());
  const step = { resourceKind: "droplet" as const, resourceId: "402110099", resourceName: "staging-sandbox", expires: "2026-03-20" };
  await advice.queueCleanupNotice({ ...step, step: "notice" }, [{ channel: "email", destination: "oncall-10@restaurant.example", payload: { subject: "staging-sandbox expired" }, dedupeKey: "cleanup-notice:droplet:402110099:2026-03-20:email:0" }], new Date("2026-03-21T06:00:00Z"));
  const claimed = await advice.claimCleanupStep({ ...step, step: "snapshot-then-destroy" }, new Date("2026-03-24T06:00:00Z"));
  await advice.updateCleanupStep(claimed!, { state: "done", requestId: "800000001" }, new Date("2026-03-24T06:05:00Z"));
  await advice.recordCleanupMarks([{ resource: { kind: "droplet", id: "402110099", name: "staging-sandbox" }, state: "due", expires: "2026-03-20", action: "snapshot-then-destroy", reason: "expired 2026-03-20" }], 2, new Date("2026-03-31T06:00:00Z"));
  const calibration = new CalibrationStore(db);
  await calibration.recordCalibration("2026-02", [{ product: "Droplets", slug: "s-2vcpu-4gb", catalogMonthlyUsd: 24, invoicedMonthlyUsd: 24, driftPct: 0, driftMonthlyUsd: 0, resources: 3, verdict: "ok" }], new Date("2026-03-02T06:00:00Z"));
  await calibration.saveStackReconciliation({ stackTag: "stack:restaurant-platform-prod", billingMonth: "2026-02", resources: [], estimatedUsd: 250, billedUsd: 254, differenceUsd: 4, unplannedBilledUsd: 0 }, new Date("2026-03-02T06:00:00Z"));
  await new CostStore(db).upsertApiAlert({ id: "api-5000", kind: "threshold", thresholdUsd: 5000, recipients: { email: ["cfo@restaurant.example"], slack: [], webhook: [] }, enabled: true });
}

/** Writes `rows` into a table as they are (ids too), then moves its identity past them. */
async function importRows(db: SqlClient, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  // jsonb_populate_recordset fills the version-7 columns and ignores the rest (team, the snapshots' source).
  await db.query(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(rows)]);
  const [identity] = await db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND is_identity = 'YES'`, [table]);
  if (identity) await db.query(`SELECT setval(pg_get_serial_sequence($1, $2), (SELECT max(${identity.column_name}) FROM ${table}))`, [table, identity.column_name]);
}

beforeAll(async () => {
  [fake, source] = await Promise.all([startFakeDigitalOcean(), createTestDatabase(`${__filename}-source`)]);
  sourceDb = createPostgresClient({ connectionString: source.url });
  await CostStore.open(sourceDb);
  lines = prepareAccount(fake.state);
  setHour(fake.state, lines, MONTH_START);
  await handle("history", deps(sourceDb, MONTH_START));
  for (const now of everyHourOfTheMonth().filter((hour) => hour <= NOW)) {
    setHour(fake.state, lines, now);
    const task = now.getUTCHours() === 6 ? "daily" : now.getUTCHours() === 7 && now.getUTCDay() === 1 ? "weekly" : "check";
    await handle(task, deps(sourceDb, now));
  }
  await upkeepRows(sourceDb);
  for (const table of VERSION_7_TABLES) {
    asWritten.set(table, await rowsOf(sourceDb, table));
    month.set(table, withoutNew(table, asWritten.get(table)!));
  }
});

afterAll(async () => {
  await sourceDb?.close();
  await source?.drop();
  await fake?.close();
});

it("holds a month of data in every table of version 7", () => {
  for (const table of VERSION_7_TABLES) expect([table, month.get(table)!.length > 0]).toEqual([table, true]);
  expect(month.get("billing_history")!.length).toBeGreaterThanOrEqual(28 + 31);
  // Every hour from March 1st 00:00 to the 31st 12:00.
  expect(month.get("spend_snapshots")).toHaveLength(30 * 24 + 13);
});

describe.each(STORE_BACKENDS)("upgrading version 7 to 8 on %s", (backend) => {
  let fixture: BackendFixture;
  let applied: number[];
  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
    await migrate(fixture.client, MIGRATIONS.filter((migration) => migration.version <= 7));
    for (const table of VERSION_7_TABLES) await importRows(fixture.client, table, month.get(table)!);
    applied = await migrate(fixture.client);
  });
  afterAll(() => fixture?.dispose());

  it("applies version 8 and every later one, nothing earlier", () => {
    expect(applied).toEqual(MIGRATIONS.map((migration) => migration.version).filter((version) => version >= 8));
    expect(applied[0]).toBe(8);
  });

  it("keeps every row with every value, each filed under the implicit team, each balance check a balance reading", async () => {
    for (const table of VERSION_7_TABLES) {
      const rows = await rowsOf(fixture.client, table);
      expect([table, withoutNew(table, rows)]).toEqual([table, month.get(table)]);
      if (table !== "notification_outbox") expect([table, [...new Set(rows.map((row) => row.team))]]).toEqual([table, ["default"]]);
    }
    expect([...new Set((await rowsOf(fixture.client, "spend_snapshots")).map((row) => row.source))]).toEqual(["balance"]);
  });

  it("reads the month back through the stores as the implicit team's", async () => {
    const [upgraded, original] = [new CostStore(fixture.client), new CostStore(sourceDb)];
    expect(await upgraded.listBillingHistory("2026-02-01", "2026-03-31")).toEqual(await original.listBillingHistory("2026-02-01", "2026-03-31"));
    expect(await upgraded.listAlertEvents("2026-03")).toEqual(await original.listAlertEvents("2026-03"));
    expect(await upgraded.currentSpend("2026-03")).toEqual(await original.currentSpend("2026-03"));
    expect(await new AdviceStore(fixture.client).listSuggestions()).toEqual(await new AdviceStore(sourceDb).listSuggestions());
    expect(await new AdviceStore(fixture.client).cleanupMarks(NOW)).toEqual(await new AdviceStore(sourceDb).cleanupMarks(NOW));
  });

  it("carries on as a database that was never upgraded: the rest of the month and the next, nothing sent twice", async () => {
    // The reference: the month's rows as version 8 wrote them, in a database of its own.
    const reference = await createTestDatabase(`${__filename}-${backend}-reference`);
    const referenceDb = createPostgresClient({ connectionString: reference.url });
    try {
      await migrate(referenceDb);
      for (const table of VERSION_7_TABLES) await importRows(referenceDb, table, asWritten.get(table)!);
      const outboxBefore = (await new CostStore(fixture.client).listOutbox()).length;
      const fired: string[] = [];
      for (const [task, at] of [["check", NOW], ["check", new Date("2026-03-31T23:00:00Z")], ["daily", new Date("2026-04-01T06:00:00Z")], ["check", new Date("2026-04-03T12:00:00Z")]] as const) {
        setHour(fake.state, lines, at);
        const [upgraded, original] = [await handle(task, deps(fixture.client, at)), await handle(task, deps(referenceDb, at))];
        if (upgraded.task === "history" || original.task === "history") throw new Error("not a check");
        expect([at, upgraded.check.fired, upgraded.check.monthToDate]).toEqual([at, original.check.fired, original.check.monthToDate]);
        fired.push(...upgraded.check.fired.thresholds);
      }
      // March's thresholds fired before the upgrade and none fires again; April's fire as they do without one.
      expect(fired.filter((key) => key.endsWith(":2026-03"))).toEqual([]);
      expect(fired).toContain("threshold:mtd-10:2026-04");
      expect(await new CostStore(fixture.client).listBillingHistory("2026-03-25", "2026-04-03")).toEqual(await new CostStore(referenceDb).listBillingHistory("2026-03-25", "2026-04-03"));
      const added = (await new CostStore(fixture.client).listOutbox()).slice(outboxBefore).map((row) => row.dedupeKey);
      expect(added.filter((key) => key.startsWith("alert:") && key.includes(":2026-03:"))).toEqual([]);
    } finally {
      await referenceDb.close();
      await reference.drop();
    }
  });
});
