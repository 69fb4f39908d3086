/** The tracker's persistence: one repository over Postgres or PGlite. */
export * from "./types";
export * from "./sql-client";
export { CostStore, alertNotificationKey, type AlertEventInput, type AlertEventOutcome, type OutboxCounts } from "./cost-store";
export { MIGRATIONS, migrate, type Migration } from "./migrations";
export { createPostgresClient, type PostgresClientOptions } from "./pg-client";
export { createPgliteClient, PgliteError } from "./pglite-client";
export { DEFAULT_PGLITE_DIR, connectStoreClient, openStore, type StoreEnvironment } from "./open-store";
