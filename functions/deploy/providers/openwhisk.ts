/**
 * The slice of the OpenWhisk REST API that deploys DigitalOcean Functions code: packages and
 * actions under `/api/v1/namespaces/{namespace}/…` at the namespace's `api_host`, with basic
 * auth `uuid:key` (what `doctl serverless deploy` does; DigitalOcean's `/v2` API has no
 * endpoint for function code). Calls are retried by the project's one retry policy
 * (`core/retry.ts`, shared with the DigitalOcean client): every call here is idempotent (GET,
 * PUT with overwrite, DELETE), so 5xx answers, 429s and timeouts are retried with full-jitter
 * backoff or the server's `retry-after`. The key never appears in an error, and is never sent
 * over plain HTTP except to a loopback test server.
 */
import { retrySetup, withRetries, type AttemptResult, type RetryOptions, type RetrySetup } from "../../../core/retry";

/** `exec` of an action: the runtime kind and the code. */
export interface OpenWhiskExec {
  kind: string;
  code: string;
  main?: string;
  binary?: boolean;
}

/** One `{key, value}` pair; OpenWhisk uses this shape for both parameters and annotations. */
export interface OpenWhiskKeyValue {
  key: string;
  value: unknown;
}

/** The body of `PUT …/actions/{package}/{action}` and of its GET answer. */
export interface OpenWhiskAction {
  namespace?: string;
  name?: string;
  exec: OpenWhiskExec;
  parameters: OpenWhiskKeyValue[];
  annotations: OpenWhiskKeyValue[];
  /** `timeout` in milliseconds, `memory` in MB. */
  limits: { timeout: number; memory: number };
}

/**
 * Construction options; the credentials come from the namespace (see `credentials.ts`).
 * Retries, waits and jitter: see {@link RetryOptions}.
 */
export interface OpenWhiskClientOptions extends RetryOptions {
  /** The namespace's `api_host`, e.g. `https://faas-nyc1-2ef2e6cc.doserverless.co`. */
  apiHost: string;
  /** The namespace id (`fn-…`), which is also its OpenWhisk namespace name. */
  namespace: string;
  uuid: string;
  key: string;
  fetch?: typeof fetch;
  /** Per attempt. */
  timeoutMs?: number;
}

/** A failed OpenWhisk call; `status` is null when no answer arrived. Carries no credential. */
export class OpenWhiskApiError extends Error {
  readonly status: number | null;
  readonly method: string;
  readonly path: string;

  constructor(fields: { status: number | null; method: string; path: string; detail: string; attempts: number }) {
    const status = fields.status === null ? "" : `${fields.status} `;
    const attempts = fields.attempts > 1 ? ` after ${fields.attempts} attempts` : "";
    super(`OpenWhisk ${fields.method} ${fields.path} failed: ${status}${fields.detail}${attempts}`);
    this.name = "OpenWhiskApiError";
    this.status = fields.status;
    this.method = fields.method;
    this.path = fields.path;
  }
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Packages and actions of one namespace. */
export class OpenWhiskClient {
  readonly #authorization: string;
  readonly #secrets: string[];
  readonly namespace: string;
  private readonly base: URL;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retry: RetrySetup;

  constructor(options: OpenWhiskClientOptions) {
    if (!URL.canParse(options.apiHost)) throw new Error(`OpenWhisk apiHost must be an absolute URL (got ${JSON.stringify(options.apiHost)})`);
    const base = new URL(options.apiHost);
    if (base.protocol !== "https:" && !(base.protocol === "http:" && LOOPBACK_HOSTS.has(base.hostname))) {
      throw new Error(`OpenWhisk apiHost must use https (got ${base.origin}); refusing to send the namespace key in the clear`);
    }
    if (!options.namespace.trim()) throw new Error("OpenWhisk namespace must be a non-empty string");
    this.base = base;
    this.namespace = options.namespace;
    this.#authorization = `Basic ${Buffer.from(`${options.uuid}:${options.key}`).toString("base64")}`;
    this.#secrets = [options.key, this.#authorization];
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = retrySetup("OpenWhiskClient", options);
  }

  /** Public URL of a web action: `<api_host>/api/v1/web/<namespace>/<package>/<action>`. */
  webActionUrl(packageName: string, actionName: string): string {
    return new URL(`/api/v1/web/${this.segments(this.namespace, packageName, actionName)}`, this.base).toString();
  }

  /** Creates the package unless it exists (409 means another deploy got there first). */
  async ensurePackage(packageName: string): Promise<void> {
    const path = this.path("packages", packageName);
    if ((await this.call("GET", path, undefined, [404])).status === 200) return;
    await this.call("PUT", path, { namespace: this.namespace, name: packageName, publish: false }, [409]);
  }

  /** Creates or replaces an action (`?overwrite=true`), so a retried deploy converges. */
  async putAction(packageName: string, actionName: string, action: OpenWhiskAction): Promise<OpenWhiskAction> {
    const { body } = await this.call("PUT", `${this.path("actions", packageName, actionName)}?overwrite=true`, action);
    return body as OpenWhiskAction;
  }

  /** The action, or undefined when it does not exist. */
  async getAction(packageName: string, actionName: string): Promise<OpenWhiskAction | undefined> {
    const { status, body } = await this.call("GET", this.path("actions", packageName, actionName), undefined, [404]);
    return status === 404 ? undefined : (body as OpenWhiskAction);
  }

  /** Deletes the action; false when it was already gone. */
  async deleteAction(packageName: string, actionName: string): Promise<boolean> {
    const { status } = await this.call("DELETE", this.path("actions", packageName, actionName), undefined, [404]);
    return status !== 404;
  }

  private path(collection: "packages" | "actions", ...names: string[]): string {
    return `/api/v1/namespaces/${this.segments(this.namespace)}/${collection}/${this.segments(...names)}`;
  }

  private segments(...names: string[]): string {
    return names.map(encodeURIComponent).join("/");
  }

  /** One call with retries; `accepted` lists non-2xx statuses the caller handles itself. */
  private call(method: string, path: string, body?: unknown, accepted: number[] = []): Promise<{ status: number; body: unknown }> {
    return withRetries((attempt) => this.attempt(method, path, body, accepted, attempt), { ...this.retry, method });
  }

  /** One HTTP exchange, described for the retry policy. */
  private async attempt(
    method: string,
    path: string,
    body: unknown,
    accepted: number[],
    attempt: number,
  ): Promise<AttemptResult<{ status: number; body: unknown }, OpenWhiskApiError>> {
    const displayPath = path.split("?")[0]!;
    try {
      const response = await this.fetchImpl(new URL(path, this.base), {
        method,
        headers: { authorization: this.#authorization, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "error", // a redirect would carry the namespace key elsewhere
      });
      const text = await response.text();
      if (response.ok || accepted.includes(response.status)) return { ok: true, value: { status: response.status, body: parseJson(text) } };
      const error = new OpenWhiskApiError({ status: response.status, method, path: displayPath, attempts: attempt, detail: this.redact(errorDetail(text)) });
      return { ok: false, error, failure: { kind: "status", status: response.status, retryAfter: response.headers.get("retry-after") } };
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      const detail = name === "TimeoutError" || name === "AbortError" ? `no answer within ${this.timeoutMs} ms` : this.redact(String((error as Error)?.message ?? error));
      return { ok: false, error: new OpenWhiskApiError({ status: null, method, path: displayPath, attempts: attempt, detail }), failure: { kind: "no_answer" } };
    }
  }

  private redact(text: string): string {
    return this.#secrets.reduce((scrubbed, secret) => scrubbed.split(secret).join("[REDACTED]"), text);
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** OpenWhisk answers errors as `{error, code}`. */
function errorDetail(text: string): string {
  const parsed = parseJson(text);
  if (parsed && typeof parsed === "object" && typeof (parsed as { error?: unknown }).error === "string") return (parsed as { error: string }).error;
  return text.slice(0, 200) || "no error body";
}
