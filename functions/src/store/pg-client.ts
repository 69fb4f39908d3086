import { Pool, type PoolClient, type PoolConfig } from "pg";
import type { SqlClient, SqlExecutor, SqlValue } from "./sql-client";

/** Options for the production adapter; `connectionString` is usually `DATABASE_URL`. */
export interface PostgresClientOptions {
  connectionString: string;
  /** Pool size; each concurrent transaction holds one connection. Default 5. */
  maxConnections?: number;
}

function executorFor(queryable: Pool | PoolClient): SqlExecutor {
  return {
    async query<Row extends object>(text: string, params: readonly SqlValue[] = []): Promise<Row[]> {
      const result = await queryable.query(text, [...params]);
      return result.rows as Row[];
    },
  };
}

/**
 * A `SqlClient` over a `pg.Pool`. Transactions take a dedicated connection, so concurrent
 * transactions from one process really are concurrent (and contend on locks like separate
 * processes would).
 */
export function createPostgresClient(options: PostgresClientOptions): SqlClient {
  const config: PoolConfig = { connectionString: options.connectionString, max: options.maxConnections ?? 5 };
  const pool = new Pool(config);
  // An idle pooled connection dropped by the server emits 'error' on the pool; without a
  // listener Node would crash the whole tracker. The next query simply gets a new connection.
  pool.on("error", () => undefined);
  const direct = executorFor(pool);
  return {
    backend: "postgres",
    query: direct.query,
    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      try {
        await connection.query("BEGIN");
        const result = await work(executorFor(connection));
        await connection.query("COMMIT");
        return result;
      } catch (error) {
        await connection.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    close: () => pool.end(),
  };
}
