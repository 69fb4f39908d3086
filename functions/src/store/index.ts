/** The tracker's persistence: one repository over Postgres (a server, or the CLI's embedded one). */
export * from "./types";
export * from "./sql-client";
export { CostStore, alertNotificationKey, type AlertEventInput, type AlertEventOutcome, type OutboxCounts } from "./cost-store";
export { MIGRATIONS, migrate, type Migration } from "./migrations";
export { createPostgresClient, type PostgresClientOptions } from "./pg-client";
export { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from "./embedded-postgres";
export { DEFAULT_EMBEDDED_DIR, connectStoreClient, openStore, type EmbeddedStoreOptions, type StoreEnvironment } from "./open-store";
