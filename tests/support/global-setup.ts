/**
 * jest global setup: chooses the Postgres every test database is created on, once per run,
 * so `npm test` needs nothing but Node and npm. In order: DATABASE_URL if set; else the local
 * server at 127.0.0.1:5432 if it answers; else the embedded PostgreSQL the CLI uses
 * (functions/src/store/embedded-postgres.ts) in a fresh temp directory, stopped and removed by
 * `global-teardown.ts`. The choice reaches the workers through `TEST_POSTGRES_ADMIN_URL_ENV`
 * (workers inherit the environment global setup leaves).
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { startEmbeddedPostgres as startServer } from "../../functions/src/store/embedded-postgres";
import { LOCAL_POSTGRES_URL, TEST_POSTGRES_ADMIN_URL_ENV, describePostgres, postgresAnswers } from "./postgres";

/** What global teardown needs to undo; kept on `globalThis`, which jest shares between the two. */
export interface EmbeddedPostgresHandle {
  stop(): Promise<void>;
}

declare global {
  // eslint-disable-next-line no-var
  var __dcgEmbeddedPostgres: EmbeddedPostgresHandle | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env[TEST_POSTGRES_ADMIN_URL_ENV]) return; // chosen by the caller
  let adminUrl: string;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else if (await postgresAnswers(LOCAL_POSTGRES_URL, 1000)) {
    adminUrl = LOCAL_POSTGRES_URL;
  } else {
    const embedded = await startEmbeddedPostgres();
    globalThis.__dcgEmbeddedPostgres = embedded;
    adminUrl = embedded.url;
  }
  process.env[TEST_POSTGRES_ADMIN_URL_ENV] = adminUrl;
  process.stderr.write(`\nTest databases on Postgres at ${describePostgres(adminUrl)}\n`);
}

/**
 * Starts the embedded PostgreSQL in a fresh directory under the temp directory (which, run as
 * root, the server's own account can reach). Durability is off: the data is thrown away at
 * the end of the run. The URL reaches the server over a Unix socket in a private directory.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgresHandle & { url: string; databaseDir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "dcg-pg-test-"));
  try {
    // Parallel test files each hold a pool or two: more connections than the CLI's default.
    const server = await startServer({ dir, durable: false, maxConnections: 100 });
    const stop = async () => {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
    return { url: server.url, databaseDir: server.dataDir, stop };
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw new Error(`The embedded PostgreSQL did not start: ${(error as Error).message}`);
  }
}
