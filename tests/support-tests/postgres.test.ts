import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { Client } from "pg";
import {
  LOCAL_POSTGRES_URL,
  TEST_POSTGRES_ADMIN_URL_ENV,
  createTestDatabase,
  describePostgres,
  postgresAnswers,
  testPostgresAdminUrl,
  withDatabase,
} from "../support/postgres";

const REPOSITORY_ROOT = path.resolve(__dirname, "../..");

describe("choosing the admin connection", () => {
  test.each([
    ["global setup's choice first", { [TEST_POSTGRES_ADMIN_URL_ENV]: "postgres://a@127.0.0.1:6000/postgres", DATABASE_URL: "postgres://b@127.0.0.1:6001/x" }, "postgres://a@127.0.0.1:6000/postgres"],
    ["then DATABASE_URL", { DATABASE_URL: "postgres://b@127.0.0.1:6001/x" }, "postgres://b@127.0.0.1:6001/x"],
    ["then the local server, database postgres", {}, LOCAL_POSTGRES_URL],
  ])("%s", (_name, env, expected) => {
    expect(testPostgresAdminUrl(env)).toBe(expected);
  });

  test("a test database URL keeps user, password, host, port and options, and replaces only the database", () => {
    expect(withDatabase("postgres://u:p%40ss@127.0.0.1:6543/postgres?sslmode=disable", "dcg_x_1")).toBe("postgres://u:p%40ss@127.0.0.1:6543/dcg_x_1?sslmode=disable");
  });

  test("messages name host, port, user and database, never the password", () => {
    expect(describePostgres("postgres://postgres:s3cret@127.0.0.1:6543/postgres")).toBe("127.0.0.1:6543 as user postgres, database postgres");
  });

  test("a Unix socket (the embedded server's) is named by its directory", () => {
    expect(describePostgres("postgres://postgres@localhost:5432/postgres?host=%2Ftmp%2Fdcg-pgsock-x1")).toBe("the socket in /tmp/dcg-pgsock-x1 as user postgres, database postgres");
  });
});

describe("createTestDatabase", () => {
  test("creates a database of its own on the chosen server, and drop removes it", async () => {
    const database = await createTestDatabase(__filename);
    expect(database.name).toMatch(/^dcg_postgres_\d+_[0-9a-f]{8}$/);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ current_database: string }>("SELECT current_database()");
    await client.end();
    expect(rows).toEqual([{ current_database: database.name }]);
    await database.drop();
    expect(await postgresAnswers(database.url, 2000)).toBe(false);
  });
});

// What a machine without a Postgres server gets; started here even where one is running, in a
// plain Node process of its own as global setup runs in jest's main process (and stopped when
// told to on stdin).
const EMBEDDED_SERVER_SCRIPT = `
  require("ts-node").register({ transpileOnly: true });
  const { startEmbeddedPostgres } = require("./tests/support/global-setup");
  startEmbeddedPostgres().then((server) => {
    process.stdout.write(JSON.stringify({ url: server.url, databaseDir: server.databaseDir }) + "\\n");
    process.stdin.once("data", () => server.stop().then(() => process.stdout.write("stopped\\n")));
  }, (error) => { process.stderr.write(String(error && error.message)); process.exit(1); });
`;

describe("the embedded PostgreSQL", () => {
  test("starts from the npm package, reachable only through a private Unix socket; stop shuts it down and removes its data", async () => {
    const child = spawn(process.execPath, ["-e", EMBEDDED_SERVER_SCRIPT], { cwd: REPOSITORY_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      const first = await lines.next();
      if (first.done) throw new Error(`the embedded server script exited: ${stderr}`);
      const server = JSON.parse(first.value) as { url: string; databaseDir: string };
      const socketDir = new URL(server.url).searchParams.get("host")!;
      expect(path.dirname(socketDir)).toBe(os.tmpdir());
      // Only the server's account (and root) may enter the socket's directory: no one else can connect.
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(path.dirname(path.dirname(server.databaseDir))).toBe(os.tmpdir());
      expect(existsSync(path.join(server.databaseDir, "PG_VERSION"))).toBe(true);
      // PostgreSQL refuses root: run as root, the data belongs to the account the server runs as.
      const owner = statSync(server.databaseDir).uid;
      expect(process.getuid?.() === 0 ? owner !== 0 : owner === process.getuid?.()).toBe(true);

      const client = new Client({ connectionString: server.url });
      await client.connect();
      const { rows } = await client.query<{ version: string; listen: string }>(
        "SELECT current_setting('server_version_num') AS version, current_setting('listen_addresses') AS listen",
      );
      await client.end();
      expect(Number(rows[0]?.version)).toBeGreaterThanOrEqual(150000);
      expect(rows[0]?.listen).toBe(""); // no TCP port at all

      child.stdin.write("stop\n");
      expect((await lines.next()).value).toBe("stopped");
      expect(await postgresAnswers(server.url, 2000)).toBe(false);
      expect(existsSync(server.databaseDir)).toBe(false);
      expect(existsSync(socketDir)).toBe(false);
    } finally {
      child.kill();
    }
  }, 120_000);
});
