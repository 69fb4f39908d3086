/**
 * A local HTTP receiver standing in for Slack incoming webhooks and generic webhooks. It
 * records every request, can answer the next N with 500, and checks Slack payloads against
 * the Block Kit rules we rely on (header plain_text ≤ 150, section text ≤ 3000, ≤ 50 blocks).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The status this receiver answered with. */
  status: number;
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>`; any path is accepted. */
  baseUrl: string;
  readonly requests: ReceivedRequest[];
  /** Answers the next `count` requests with `status` (default 500). */
  failNext(count: number, status?: number): void;
  /** Delays every answer by `ms` (to provoke client timeouts). */
  delayAnswers(ms: number): void;
  close(): Promise<void>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Problems with a Slack incoming-webhook body; empty when it follows the Block Kit rules. */
export function slackShapeProblems(payload: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(payload)) return ["payload is not an object"];
  if (typeof payload.text !== "string" || payload.text === "") problems.push("text (notification fallback) must be a non-empty string");
  if (!Array.isArray(payload.blocks)) return [...problems, "blocks must be an array"];
  if (payload.blocks.length > 50) problems.push(`blocks has ${payload.blocks.length} entries (max 50)`);
  payload.blocks.forEach((block: unknown, i) => {
    const at = `blocks[${i}]`;
    if (!isRecord(block)) return problems.push(`${at} is not an object`);
    const text = isRecord(block.text) ? block.text : undefined;
    switch (block.type) {
      case "header":
        if (text?.type !== "plain_text") problems.push(`${at}.text.type must be plain_text`);
        if (typeof text?.text !== "string" || text.text.length === 0 || text.text.length > 150) problems.push(`${at}.text.text must be 1-150 characters`);
        break;
      case "section":
        if (text?.type !== "mrkdwn" && text?.type !== "plain_text") problems.push(`${at}.text.type must be mrkdwn or plain_text`);
        if (typeof text?.text !== "string" || text.text.length === 0 || text.text.length > 3000) problems.push(`${at}.text.text must be 1-3000 characters`);
        break;
      case "context":
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) problems.push(`${at}.elements must have 1-10 entries`);
        break;
      case "divider":
        break;
      default:
        problems.push(`${at}.type ${JSON.stringify(block.type)} is not a block type this project sends`);
    }
    return undefined;
  });
  return problems;
}

/** Starts the receiver on 127.0.0.1 with a random port; close it in afterAll. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let failures = { remaining: 0, status: 500 };
  let delayMs = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: kept as the raw string so the test can see what was sent.
      }
      const status = failures.remaining > 0 ? (failures.remaining--, failures.status) : 200;
      requests.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, body, status });
      setTimeout(() => {
        response.writeHead(status, { "content-type": "text/plain" });
        response.end(status === 200 ? "ok" : "internal_error");
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    failNext(count, status = 500) {
      failures = { remaining: count, status };
    },
    delayAnswers(ms) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
