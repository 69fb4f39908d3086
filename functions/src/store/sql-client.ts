/**
 * The one seam between the tracker's store and a database. Everything above it (migrations,
 * repositories, the outbox) is written once in PostgreSQL's dialect; production runs it on a
 * Postgres server, the CLI on an embedded PostgreSQL it starts itself (store/open-store).
 */

/** One value of a column. JSON goes in as a string with an explicit `::jsonb` cast. */
export type SqlScalar = string | number | boolean | Date | null;

/** A value bound to a `$n` placeholder: a scalar, or an array (`$n::text[]`, e.g. a column for `unnest`). */
export type SqlValue = SqlScalar | readonly SqlScalar[];

/** Anything that can run one parameterised statement: the client itself or an open transaction. */
export interface SqlExecutor {
  /**
   * Runs one statement and returns its rows. `Row` is the caller's description of the
   * selected columns; the store casts columns in SQL (dates `::text`, money read as numeric
   * text) so both drivers hand back the same JavaScript types.
   */
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

/** A database connection (pool or embedded instance) that can also run transactions. */
export interface SqlClient extends SqlExecutor {
  /** Which server this is: one named by DATABASE_URL, or the CLI's embedded one. Only tests and diagnostics should look at it. */
  readonly backend: "postgres" | "embedded-postgres";
  /**
   * Runs `work` inside BEGIN … COMMIT on one connection; any throw rolls back and is rethrown.
   * Statements inside must go through the `tx` argument, not the client, or they run outside
   * the transaction (on Postgres, on another pooled connection).
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Releases the pool's connections (and stops the embedded server this process started). */
  close(): Promise<void>;
}
