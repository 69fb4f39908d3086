/**
 * The two store backends as test fixtures, so one suite can run against both with
 * `describe.each(STORE_BACKENDS)`.
 */
import { createPgliteClient } from "../../../functions/src/store/pglite-client";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { createTestDatabase } from "../../support/postgres";

/** A connected client plus how to tear its database down. */
export interface BackendFixture {
  client: SqlClient;
  /** Another independent client on the same database (a second process); Postgres only. */
  connectAnother?: (maxConnections?: number) => SqlClient;
  dispose(): Promise<void>;
}

export type BackendName = "postgres" | "pglite";
export const STORE_BACKENDS: BackendName[] = ["postgres", "pglite"];

/** Opens a fresh, empty database on `backend`; `testFile` names the Postgres database. */
export async function openBackend(backend: BackendName, testFile: string, maxConnections = 12): Promise<BackendFixture> {
  if (backend === "pglite") {
    const client = await createPgliteClient();
    return { client, dispose: () => client.close() };
  }
  const database = await createTestDatabase(testFile);
  const extra: SqlClient[] = [];
  const client = createPostgresClient({ connectionString: database.url, maxConnections });
  return {
    client,
    connectAnother: (max = 1) => {
      const another = createPostgresClient({ connectionString: database.url, maxConnections: max });
      extra.push(another);
      return another;
    },
    async dispose() {
      await Promise.all([client, ...extra].map((c) => c.close()));
      await database.drop();
    },
  };
}

/** Empties every tracker table between tests (test-only SQL; production code never truncates). */
export async function truncateTrackerTables(client: SqlClient): Promise<void> {
  await client.query(
    `TRUNCATE spend_snapshots, billing_history, resource_daily_cost, cost_alerts, alert_events, notification_outbox, unit_counts RESTART IDENTITY`,
  );
}
