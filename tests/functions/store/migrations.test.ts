import { MIGRATIONS, migrate, type Migration } from "../../../functions/src/store/migrations";
import { openBackend, STORE_BACKENDS, type BackendFixture } from "./backends";

const TRACKER_TABLES = [
  "advice_suggestions", "advised_snapshots", "alert_events", "billing_history", "cleanup_actions", "cleanup_marks", "cost_alerts", "insights_days", "notification_outbox", "price_calibration",
  "resource_daily_cost", "resource_states", "resource_utilisation", "run_leases", "schema_migrations", "spend_snapshots", "stack_reconciliation", "team_checks", "unit_counts",
];

describe.each(STORE_BACKENDS)("migrations on %s", (backend) => {
  let fixture: BackendFixture;
  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
  });
  afterAll(() => fixture.dispose());

  it("creates every tracker table on an empty database, then is a no-op when run again", async () => {
    const first = await migrate(fixture.client);
    expect(first).toEqual(MIGRATIONS.map((m) => m.version));

    const tables = await fixture.client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(TRACKER_TABLES);

    expect(await migrate(fixture.client)).toEqual([]);
    const recorded = await fixture.client.query<{ version: number }>(`SELECT version FROM schema_migrations ORDER BY version`);
    expect(recorded.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("rolls a failing migration back completely, naming it, and leaves earlier versions applied", async () => {
    const broken: Migration = {
      version: 9001,
      name: "broken_on_purpose",
      statements: [`CREATE TABLE half_done (id integer)`, `ALTER TABLE no_such_table ADD COLUMN x integer`],
    };
    await expect(migrate(fixture.client, [...MIGRATIONS, broken])).rejects.toThrow(/migration 9001 \(broken_on_purpose\) failed: .*no_such_table/);

    const halfDone = await fixture.client.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`);
    expect(halfDone).toHaveLength(0);
    const recorded = await fixture.client.query<{ version: number }>(`SELECT version FROM schema_migrations ORDER BY version`);
    expect(recorded.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});

describe.each(STORE_BACKENDS)("migrations racing on %s", (backend) => {
  let fixture: BackendFixture;
  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
  });
  afterAll(() => fixture.dispose());

  it("serialises four processes migrating a fresh database at once: one applies, three find nothing to do", async () => {
    const processes = [1, 2, 3, 4].map(() => fixture.connectAnother(1));
    const results = await Promise.all(processes.map((client) => migrate(client)));

    const appliers = results.filter((applied) => applied.length > 0);
    expect(appliers).toEqual([MIGRATIONS.map((m) => m.version)]);
    const recorded = await fixture.client.query<{ version: number }>(`SELECT version FROM schema_migrations ORDER BY version`);
    expect(recorded.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });
});
