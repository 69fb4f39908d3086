/**
 * A local stand-in for a DigitalOcean Functions namespace's OpenWhisk API (`api_host`): packages
 * and actions under `/api/v1/namespaces/{namespace}/…` on 127.0.0.1, with basic-auth `uuid:key`
 * checks, recorded requests (authorization redacted), a shape check of every action document
 * (tests assert `validationErrors` is empty) and injectable faults (500, never-answered).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { OpenWhiskAction } from "../../functions/deploy/providers/openwhisk";

/** A namespace the fake serves and the credentials it accepts for it. */
export interface FakeOpenWhiskNamespace {
  namespace: string;
  uuid: string;
  key: string;
}

/** A fault served instead of the normal answer to the next matching request. */
export interface OpenWhiskFault {
  kind: "500" | "timeout";
  method?: string;
  /** Pattern tested against the pathname; any path when absent. */
  path?: RegExp;
  /** timeout only: apply the request and answer after this many ms (never answer when absent). */
  delayMs?: number;
}

/** One request as the fake saw it. */
export interface OpenWhiskRecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** `Basic [REDACTED]`, or undefined when none was sent. */
  authorization: string | undefined;
  body?: unknown;
}

/** A running fake; close it in `afterAll`. */
export interface FakeOpenWhisk {
  /** Use as the namespace's `api_host`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Packages by `namespace/package`. */
  readonly packages: Map<string, unknown>;
  /** Actions by `namespace/package/action`, as last stored. */
  readonly actions: Map<string, OpenWhiskAction>;
  readonly requests: OpenWhiskRecordedRequest[];
  readonly validationErrors: string[];
  addNamespace(namespace: FakeOpenWhiskNamespace): void;
  injectFault(fault: OpenWhiskFault): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
}

const ROUTE = /^\/api\/v1\/namespaces\/([^/]+)\/(packages|actions)\/([^/]+)(?:\/([^/]+))?$/;

/** Starts the fake on 127.0.0.1 with an OS-assigned port. */
export async function startFakeOpenWhisk(namespaces: FakeOpenWhiskNamespace[] = []): Promise<FakeOpenWhisk> {
  const credentials = new Map<string, FakeOpenWhiskNamespace>();
  const packages = new Map<string, unknown>();
  const actions = new Map<string, OpenWhiskAction>();
  const requests: OpenWhiskRecordedRequest[] = [];
  const validationErrors: string[] = [];
  let faults: OpenWhiskFault[] = [];
  const addNamespace = (namespace: FakeOpenWhiskNamespace) => credentials.set(namespace.namespace, namespace);
  namespaces.forEach(addNamespace);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const method = (req.method ?? "GET").toUpperCase();
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      if (raw !== "") {
        try {
          body = JSON.parse(raw);
        } catch {
          validationErrors.push(`${method} ${url.pathname}: body is not JSON`);
        }
      }
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization?.replace(/^(\S+)\s.*$/, "$1 [REDACTED]"),
        ...(body === undefined ? {} : { body }),
      });
      const respond = () => handle(method, url, req.headers.authorization, body);
      const faultIndex = faults.findIndex((fault) => (!fault.method || fault.method.toUpperCase() === method) && (!fault.path || fault.path.test(url.pathname)));
      const fault = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0] : undefined;
      if (fault?.kind === "500") return send(res, { status: 500, body: { error: "The server encountered an internal error.", code: "fake-500" } });
      if (fault?.kind === "timeout") {
        if (fault.delayMs !== undefined) setTimeout(() => !res.destroyed && send(res, respond()), fault.delayMs);
        return;
      }
      send(res, respond());
    });
  });

  function handle(method: string, url: URL, authorization: string | undefined, body: unknown): Answer {
    const match = ROUTE.exec(url.pathname);
    if (!match) return { status: 404, body: { error: "The requested resource does not exist." } };
    const [, namespace, collection, first, second] = match.map((part) => (part === undefined ? part : decodeURIComponent(part)));
    const expected = credentials.get(namespace!);
    if (!expected || authorization !== `Basic ${Buffer.from(`${expected.uuid}:${expected.key}`).toString("base64")}`) {
      return { status: 401, body: { error: "The supplied authentication is invalid." } };
    }
    if (collection === "packages") {
      if (second !== undefined) return { status: 404, body: { error: "The requested resource does not exist." } };
      return packageRoute(method, `${namespace}/${first}`, url, body);
    }
    if (second === undefined) return { status: 404, body: { error: "The requested resource does not exist." } };
    if (!packages.has(`${namespace}/${first}`)) return { status: 404, body: { error: `package ${first} does not exist` } };
    return actionRoute(method, namespace!, `${first}/${second}`, url, body);
  }

  function packageRoute(method: string, key: string, url: URL, body: unknown): Answer {
    const exists = packages.has(key);
    switch (method) {
      case "GET":
        return exists ? { status: 200, body: packages.get(key) } : { status: 404, body: { error: "The requested resource does not exist." } };
      case "PUT":
        if (exists && url.searchParams.get("overwrite") !== "true") return { status: 409, body: { error: "resource already exists" } };
        packages.set(key, body ?? {});
        return { status: 200, body: body ?? {} };
      default:
        return { status: 405, body: { error: `${method} is not supported on packages by the fake` } };
    }
  }

  function actionRoute(method: string, namespace: string, name: string, url: URL, body: unknown): Answer {
    const key = `${namespace}/${name}`;
    const stored = actions.get(key);
    switch (method) {
      case "GET":
        return stored ? { status: 200, body: stored } : { status: 404, body: { error: "The requested resource does not exist." } };
      case "PUT": {
        if (stored && url.searchParams.get("overwrite") !== "true") return { status: 409, body: { error: "resource already exists" } };
        const problems = actionShapeProblems(body);
        if (problems.length > 0) {
          validationErrors.push(...problems.map((problem) => `PUT ${url.pathname}: ${problem}`));
          return { status: 400, body: { error: problems.join("; ") } };
        }
        const action = { ...(body as OpenWhiskAction), namespace: `${namespace}/${name.split("/")[0]}`, name: name.split("/")[1] };
        actions.set(key, action);
        return { status: 200, body: action };
      }
      case "DELETE":
        if (!stored) return { status: 404, body: { error: "The requested resource does not exist." } };
        actions.delete(key);
        return { status: 200, body: stored };
      default:
        return { status: 405, body: { error: `${method} is not supported on actions by the fake` } };
    }
  }

  function send(res: http.ServerResponse, answer: Answer): void {
    const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
    res.writeHead(answer.status, text === "" ? {} : { "content-type": "application/json" });
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    packages,
    actions,
    requests,
    validationErrors,
    addNamespace,
    injectFault(fault) {
      faults.push(fault);
    },
    close() {
      faults = [];
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** What OpenWhisk requires of an action document (exec, key/value lists, numeric limits). */
function actionShapeProblems(body: unknown): string[] {
  if (!body || typeof body !== "object") return ["action body must be a JSON object"];
  const action = body as Partial<OpenWhiskAction>;
  const problems: string[] = [];
  if (typeof action.exec?.kind !== "string" || typeof action.exec?.code !== "string") problems.push("exec.kind and exec.code must be strings");
  for (const list of ["parameters", "annotations"] as const) {
    const value = action[list];
    if (value !== undefined && (!Array.isArray(value) || value.some((entry) => typeof entry?.key !== "string" || !("value" in entry)))) {
      problems.push(`${list} must be an array of {key, value}`);
    }
  }
  if (action.limits !== undefined && (typeof action.limits.timeout !== "number" || typeof action.limits.memory !== "number")) {
    problems.push("limits.timeout and limits.memory must be numbers");
  }
  return problems;
}
