import type { JsonObject } from "../store/types";

/** Options shared by the HTTP transports. */
export interface HttpTransportOptions {
  /** Abort the request after this long. Default 10 s, well inside the outbox lease. */
  timeoutMs?: number;
}

/** Default HTTP timeout: 10 s (engineering choice, 2026-11-27; Slack answers in well under a second). */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/**
 * POSTs JSON and fails on anything but 2xx. Errors say which kind of endpoint and the status,
 * never the URL: Slack webhook URLs and many webhook URLs carry their secret in the path.
 */
export async function postJson(kind: string, url: string, body: JsonObject, options: HttpTransportOptions = {}): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    // fetch's own message is a bare "fetch failed"; the system code (ECONNREFUSED, ENOTFOUND) says why, without the URL.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const cause = (error as Error).name === "TimeoutError" ? `timed out after ${options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS} ms` : `${(error as Error).message}${typeof code === "string" ? ` (${code})` : ""}`;
    throw new Error(`${kind} request failed: ${cause}`);
  }
  const answer = (await response.text().catch(() => "")).slice(0, 200);
  if (!response.ok) throw new Error(`${kind} answered ${response.status}${answer ? `: ${answer}` : ""}`);
}
