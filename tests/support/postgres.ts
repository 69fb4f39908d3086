/**
 * Test databases on a real Postgres: each test file creates its own uniquely named database
 * and drops it afterwards, so files can run in parallel. The server is chosen once per jest
 * run by `global-setup.ts` (DATABASE_URL, else 127.0.0.1:5432 if it answers, else an
 * embedded PostgreSQL) and handed to the workers in `TEST_POSTGRES_ADMIN_URL_ENV`.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { Client } from "pg";

/** The variable global setup sets to the admin connection string it chose. */
export const TEST_POSTGRES_ADMIN_URL_ENV = "DCG_TEST_POSTGRES_ADMIN_URL";

/** A local server as Debian and the official Docker image set it up (trust auth on loopback). */
export const LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** A throw-away database; `url` is a connection string for it. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

/**
 * The admin connection string tests create their databases through: the one global setup
 * chose, else (a file run outside jest, a bench) DATABASE_URL, else the local server.
 */
export function testPostgresAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env[TEST_POSTGRES_ADMIN_URL_ENV] || env.DATABASE_URL || LOCAL_POSTGRES_URL;
}

/** `url` with its database replaced by `database` (user, password, host and options kept). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Where a connection string points, for messages: never its password. A `host` parameter is a Unix socket's directory. */
export function describePostgres(url: string): string {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default)";
  const socketDir = parsed.searchParams.get("host");
  const where = socketDir ? `the socket in ${socketDir}` : `${parsed.hostname}:${parsed.port || "5432"}`;
  return `${where} as user ${decodeURIComponent(parsed.username) || "(default)"}, database ${database}`;
}

/** Whether a server answers a query at `url` within `timeoutMs`. */
export async function postgresAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const adminUrl = testPostgresAdminUrl();
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Postgres is not reachable at ${describePostgres(adminUrl)} (${(error as Error).message}). ` +
        `Run the tests through jest, whose global setup starts an embedded PostgreSQL when none answers, ` +
        `or set DATABASE_URL to a server where this user may CREATE DATABASE.`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates `dcg_<file>_<pid>_<random>`; pass `__filename` so a leftover database names its test. */
export async function createTestDatabase(testFile: string): Promise<TestDatabase> {
  const stem = basename(testFile).replace(/\.test\.ts$/, "").replace(/[^a-z0-9]+/gi, "_").toLowerCase().slice(0, 30);
  const name = `dcg_${stem}_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: withDatabase(testPostgresAdminUrl(), name),
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
