import { Worker } from "node:worker_threads";
import type { SqlClient, SqlExecutor, SqlValue } from "./sql-client";

/**
 * PGlite runs Postgres compiled to WASM, and every statement executes synchronously on the
 * thread that owns it. Hosting it in a worker thread keeps that off the event loop (an outbox
 * run's HTTP and SMTP timeouts keep ticking while a big upsert runs), and it lets PGlite load
 * its WASM with the dynamic `import()` it needs, which jest's CommonJS sandbox refuses.
 * The worker is plain JavaScript because worker threads do not run TypeScript.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { PGlite } = require(workerData.pglitePath);
const ready = workerData.dataDir === null ? PGlite.create() : PGlite.create(workerData.dataDir);
parentPort.on("message", async (message) => {
  try {
    const db = await ready;
    if (message.op === "close") {
      await db.close();
      parentPort.postMessage({ id: message.id, rows: [] });
      return;
    }
    const result = await db.query(message.text, message.params);
    parentPort.postMessage({ id: message.id, rows: result.rows });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface WorkerReply {
  id: number;
  rows?: object[];
  error?: { message: string; code?: string };
}

/** A Postgres-style error carried back from the worker: same message and SQLSTATE code. */
export class PgliteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "PgliteError";
  }
}

/**
 * The rows with each Date rebuilt in this module's realm. The worker's rows arrive by structured
 * clone, whose Dates belong to Node's main realm: code loaded into another one (a `vm` context,
 * as jest runs tests) sees them fail `instanceof Date`, which core/calendar checks.
 */
function ownRealmDates(rows: object[]): object[] {
  for (const row of rows as Record<string, unknown>[]) {
    for (const [key, value] of Object.entries(row)) {
      if (!(value instanceof Date) && Object.prototype.toString.call(value) === "[object Date]") row[key] = new Date((value as Date).getTime());
    }
  }
  return rows;
}

/**
 * A `SqlClient` over an embedded PGlite database: `dataDir` persists it (e.g.
 * `.do-cost-guard/pglite`), omitted means in memory (tests). PGlite has one connection, so
 * statements and transactions are serialised here the way PGlite itself serialises them:
 * a transaction holds the connection from BEGIN to COMMIT and other callers wait.
 */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { pglitePath: require.resolve("@electric-sql/pglite"), dataDir: dataDir ?? null },
  });
  const waiting = new Map<number, { resolve: (rows: object[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let workerFailure: Error | undefined;
  worker.on("message", (reply: WorkerReply) => {
    const pending = waiting.get(reply.id);
    if (pending === undefined) return;
    waiting.delete(reply.id);
    if (reply.error) pending.reject(new PgliteError(reply.error.message, reply.error.code));
    else pending.resolve(ownRealmDates(reply.rows ?? []));
  });
  worker.on("error", (error) => {
    workerFailure = error;
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  });

  const send = (message: { op: "query" | "close"; text?: string; params?: readonly SqlValue[] }): Promise<object[]> => {
    if (workerFailure) return Promise.reject(workerFailure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, ...message, params: message.params ? [...message.params] : [] });
    });
  };
  const run = <Row extends object>(text: string, params: readonly SqlValue[] = []): Promise<Row[]> =>
    send({ op: "query", text, params }) as Promise<Row[]>;

  // One connection: whoever holds `connection` runs next. A promise chain is the mutex.
  let connection: Promise<unknown> = Promise.resolve();
  const exclusively = <T>(work: () => Promise<T>): Promise<T> => {
    const result = connection.then(work);
    connection = result.catch(() => undefined);
    return result;
  };

  await exclusively(() => run("SELECT 1"));
  const transactionExecutor: SqlExecutor = { query: run };
  return {
    backend: "pglite",
    query: (text, params) => exclusively(() => run(text, params)),
    transaction: (work) =>
      exclusively(async () => {
        await run("BEGIN");
        try {
          const result = await work(transactionExecutor);
          await run("COMMIT");
          return result;
        } catch (error) {
          await run("ROLLBACK").catch(() => undefined);
          throw error;
        }
      }),
    close: () =>
      exclusively(async () => {
        await send({ op: "close" });
        await worker.terminate();
      }),
  };
}
