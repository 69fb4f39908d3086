import { mkdirSync } from "node:fs";
import { postgresUrlProblem } from "../../../core/validators";
import { CostStore } from "./cost-store";
import { createPgliteClient } from "./pglite-client";
import { createPostgresClient } from "./pg-client";
import type { SqlClient } from "./sql-client";

/** Where the embedded database lives when no DATABASE_URL is set (relative to the working directory). */
export const DEFAULT_PGLITE_DIR = ".do-cost-guard/pglite";

/** The store's slice of the environment, read once by the caller at start-up. */
export interface StoreEnvironment {
  /** `postgres://…`; when set, the tracker uses that server (production). */
  DATABASE_URL?: string;
  /** Overrides the embedded database's directory; "memory" keeps it in memory. */
  PGLITE_DIR?: string;
}

/**
 * Picks the backend from the environment: Postgres when DATABASE_URL is set, otherwise the
 * embedded PGlite database (so `npm run tracker` works with nothing installed), creating its
 * directory and any missing parents. The URL is never echoed back in errors: it usually
 * carries a password.
 */
export async function connectStoreClient(env: StoreEnvironment): Promise<SqlClient> {
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const problem = postgresUrlProblem(url);
    if (problem) throw new Error(`DATABASE_URL ${problem}`);
    return createPostgresClient({ connectionString: url });
  }
  const dir = env.PGLITE_DIR?.trim() || DEFAULT_PGLITE_DIR;
  if (dir === "memory") return createPgliteClient();
  // PGlite creates its own directory but not the parents: on a fresh clone `.do-cost-guard/`
  // does not exist yet and the first `npm run tracker` would fail with ENOENT.
  mkdirSync(dir, { recursive: true });
  return createPgliteClient(dir);
}

/** Connects (see connectStoreClient), migrates, and returns the tracker's store. */
export async function openStore(env: StoreEnvironment): Promise<CostStore> {
  const client = await connectStoreClient(env);
  try {
    return await CostStore.open(client);
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}
