/**
 * Test databases on the real Postgres at 127.0.0.1:5432: each test file creates its own
 * uniquely named database and drops it afterwards, so files can run in parallel.
 */
import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import { Client } from "pg";

const HOST = "127.0.0.1";
const PORT = 5432;
const ADMIN_URL = `postgres://postgres@${HOST}:${PORT}/test`;

/** A throw-away database; `url` is a connection string for it. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Postgres is not reachable at ${HOST}:${PORT} as user postgres, database test (${(error as Error).message}). ` +
        `Start it before running these tests, e.g. \`sudo service postgresql start\` or ` +
        `\`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:15\`.`,
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
    url: `postgres://postgres@${HOST}:${PORT}/${name}`,
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
