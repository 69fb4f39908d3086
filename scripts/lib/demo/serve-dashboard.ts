/**
 * Serves the dashboard's request handler over plain HTTP on 127.0.0.1, the way DigitalOcean's
 * web-action gateway does in production: the node `http` request becomes a `DashboardRequest`
 * and `handleDashboardRequest`'s answer is written back unchanged. Used by `npm run demo`.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { handleDashboardRequest, type DashboardDeps } from "../../../functions/src/dashboard/handle";

/** A listening dashboard; `close` ends open connections too (browsers keep them alive). */
export interface LocalDashboard {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  close(): Promise<void>;
}

// Alert POSTs are a few hundred bytes; anything far larger is not a dashboard request.
const MAX_BODY_BYTES = 64 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Listens on 127.0.0.1 (`port` 0 lets the OS pick) and answers every request with
 * `handleDashboardRequest(request, depsFor())`. Never binds another interface: the demo's
 * password is printed on the terminal, so the page must not be reachable from the network.
 */
export async function serveDashboardLocally(port: number, depsFor: () => DashboardDeps): Promise<LocalDashboard> {
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      const body = await readBody(request);
      const answer = await handleDashboardRequest(
        { method: request.method ?? "GET", path: url.pathname, headers, query: Object.fromEntries(url.searchParams), body: body === "" ? undefined : body },
        depsFor(),
      );
      response.writeHead(answer.statusCode, answer.headers).end(answer.body);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(400, { "Content-Type": "application/json; charset=utf-8" });
      response.end(JSON.stringify({ error: (error as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
