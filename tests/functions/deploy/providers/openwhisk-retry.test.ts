/**
 * The OpenWhisk client retries by the same policy as the DigitalOcean client (`core/retry.ts`):
 * exact, recorded waits against a scripted loopback server, `retry-after` on a 429, no retry
 * of a 4xx, bounded attempts, and the namespace key in none of the errors.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { OpenWhiskApiError, OpenWhiskClient, type OpenWhiskClientOptions } from "../../../../functions/deploy/providers/openwhisk";

const KEY = "ow-key-0123456789-secret";

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

let server: Server;
let baseUrl: string;
let script: Scripted[] = [];
let seen: { method: string; path: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ method: request.method ?? "", path: request.url ?? "" });
    request.resume();
    request.on("end", () => {
      // Past the script, every request succeeds.
      const next = script.shift() ?? { status: 200, body: { ok: true } };
      response.writeHead(next.status, { "content-type": "application/json", ...next.headers });
      response.end(next.body === undefined ? "" : JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  script = [];
  seen = [];
});

function makeClient(overrides: Partial<OpenWhiskClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = new OpenWhiskClient({
    apiHost: baseUrl,
    namespace: "fn-retry",
    uuid: "uuid-1",
    key: KEY,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    retryBaseDelayMs: 100,
    maxRetryDelayMs: 10_000,
    ...overrides,
  });
  return { client, sleeps };
}

async function rejection(promise: Promise<unknown>): Promise<OpenWhiskApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OpenWhiskApiError)) throw new Error(`expected an OpenWhiskApiError, got ${String(error)}`);
  return error;
}

test("5xx answers are retried with full-jitter backoff: random × base × 2^(attempt−1)", async () => {
  script = [{ status: 503, body: { error: "busy" } }, { status: 502, body: { error: "gateway" } }];
  const { client, sleeps } = makeClient();
  await expect(client.deleteAction("tracker", "old")).resolves.toBe(true);
  expect(seen).toHaveLength(3);
  // 0.5 × 100 × 1 = 50; 0.5 × 100 × 2 = 100
  expect(sleeps).toEqual([50, 100]);
});

test("a 429 waits what retry-after asks, as the DigitalOcean client does", async () => {
  script = [{ status: 429, headers: { "retry-after": "3" }, body: { error: "too many requests" } }];
  const { client, sleeps } = makeClient();
  await client.putAction("tracker", "ingest", { exec: { kind: "nodejs:18", code: "x" }, parameters: [], annotations: [], limits: { timeout: 1000, memory: 256 } });
  expect(sleeps).toEqual([3000]);
  expect(seen.map((request) => request.method)).toEqual(["PUT", "PUT"]);
});

test("a 4xx is not retried, and the error says what the server said without the key", async () => {
  script = [{ status: 403, body: { error: `key ${KEY} may not write here` } }];
  const { client, sleeps } = makeClient();
  const error = await rejection(client.deleteAction("tracker", "old"));
  expect(error).toMatchObject({ status: 403, method: "DELETE" });
  expect(error.message).toContain("key [REDACTED] may not write here");
  expect(error.message).not.toContain(KEY);
  expect(sleeps).toEqual([]);
  expect(seen).toHaveLength(1);
});

test("attempts are bounded by maxRetries, then the last error names how many", async () => {
  script = Array.from({ length: 10 }, () => ({ status: 500, body: { error: "internal" } }));
  const { client, sleeps } = makeClient({ maxRetries: 2 });
  const error = await rejection(client.getAction("tracker", "ingest"));
  expect(error.message).toMatch(/OpenWhisk GET \/api\/v1\/namespaces\/fn-retry\/actions\/tracker\/ingest failed: 500 internal after 3 attempts/);
  expect(seen).toHaveLength(3);
  expect(sleeps).toEqual([50, 100]);
});

test("a refused connection counts as no answer and is retried, then surfaced", async () => {
  // Bind and release a loopback port so nothing listens on it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { client, sleeps } = makeClient({ apiHost: `http://127.0.0.1:${port}`, maxRetries: 1 });
  const error = await rejection(client.getAction("tracker", "ingest"));
  expect(error).toMatchObject({ status: null });
  expect(sleeps).toEqual([50]);
});

test("a bad policy is refused at construction, naming the option", () => {
  expect(() => makeClient({ maxRetries: -1 })).toThrow("OpenWhiskClient: maxRetries must be a non-negative integer (got -1)");
  expect(() => makeClient({ retryBaseDelayMs: 0 })).toThrow("OpenWhiskClient: retryBaseDelayMs must be a positive number (got 0)");
});
