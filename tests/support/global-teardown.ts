/**
 * jest global teardown: stops the embedded PostgreSQL that `global-setup.ts` started, if any,
 * and removes its data directory.
 */
export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__dcgEmbeddedPostgres;
  globalThis.__dcgEmbeddedPostgres = undefined;
  await embedded?.stop();
}
