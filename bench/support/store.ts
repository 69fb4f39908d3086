/**
 * The store a benchmark writes to: Postgres at DATABASE_URL when set (an existing, empty
 * database), else the CLI's default, the embedded PostgreSQL, in a fresh temporary directory
 * (durable, as the CLI runs it) removed at the end. The embedded server is started here and
 * the client opens its directory the way the CLI does (joining it), so the benchmark knows
 * the server's process id and can measure its memory beside its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "../../functions/src/store/embedded-postgres";
import { connectStoreClient } from "../../functions/src/store/open-store";
import type { SqlClient } from "../../functions/src/store/sql-client";

/** A benchmark's store. */
export interface BenchStore {
  db: SqlClient;
  /** The embedded server's postmaster, whose process tree holds the database's memory; undefined on DATABASE_URL. */
  serverPid: number | undefined;
  /** How long the embedded server took to create (initdb) and start; 0 on DATABASE_URL. */
  startMs: number;
  /** "Postgres at DATABASE_URL" or "embedded PostgreSQL 18.x". */
  describe: string;
  close(): Promise<void>;
}

/** Opens the benchmark's store (see the module comment). */
export async function openBenchStore(env: NodeJS.ProcessEnv = process.env): Promise<BenchStore> {
  if (env.DATABASE_URL) {
    const db = await connectStoreClient({ DATABASE_URL: env.DATABASE_URL });
    return { db, serverPid: undefined, startMs: 0, describe: "Postgres at DATABASE_URL", close: () => db.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), "dcg-bench-store-"));
  const started = process.hrtime.bigint();
  const server = await startEmbeddedPostgres({ dir });
  const startMs = Number(process.hrtime.bigint() - started) / 1e6;
  const db = await connectStoreClient({ EMBEDDED_POSTGRES_DIR: dir });
  const [row] = await db.query<{ version: string }>("SELECT current_setting('server_version') AS version");
  return {
    db,
    serverPid: server.pid,
    startMs,
    describe: `embedded PostgreSQL ${row?.version ?? "?"} (the CLI's default store)`,
    async close() {
      await db.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
