/**
 * CRUD for a DigitalOcean Functions action (function) through the namespace's OpenWhisk API,
 * as a Pulumi dynamic provider. The namespace credentials are looked up at each call; only
 * the code's SHA-256 is kept in outputs, so state does not carry the bundle twice.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderDeps } from "./credentials";
import type { OpenWhiskAction } from "./openwhisk";
import { changedProperties, CheckFailures, isNotFound, isUnknown } from "./validation";

/** Runtime kinds DigitalOcean Functions offers for Node.js. */
export type FunctionsNodeRuntime = "nodejs:18" | "nodejs:22" | "nodejs:24";

/**
 * Node.js 14, 18, 22 and 24 per "Supported Runtimes for DigitalOcean Functions"
 * (https://docs.digitalocean.com/products/functions/reference/runtimes/, read 2026-12-06);
 * 14 is left out because Node.js 14 has been end-of-life since April 2023.
 */
export const FUNCTIONS_NODE_RUNTIMES: readonly FunctionsNodeRuntime[] = ["nodejs:18", "nodejs:22", "nodejs:24"];

/**
 * Limits per "Functions Limits" (https://docs.digitalocean.com/products/functions/details/limits/,
 * edited 17 Jan 2025): timeout at most 15 minutes, memory 128 MB to 1 GB, parameters at most 1 MB.
 * OpenWhisk's own floor for the timeout is 100 ms.
 */
export const ACTION_LIMITS = { timeoutMs: { min: 100, max: 900_000 }, memoryMb: { min: 128, max: 1024 }, parametersBytes: 1_048_576 } as const;

/** Inputs of an action. */
export interface ActionInputs {
  namespaceId: string;
  packageName: string;
  actionName: string;
  /** The bundled JavaScript source. */
  code: string;
  runtime: FunctionsNodeRuntime;
  /** Exported entry point; OpenWhisk's default is `main`. */
  main?: string;
  /** Web action: reachable at its public URL, with its parameters final (callers cannot override them). */
  web: boolean;
  limits: { timeoutMs: number; memoryMb: number };
  /** Bound parameters (configuration and secrets); marked final. */
  parameters: Record<string, string>;
}

/** Outputs of an action; `parameters` is a secret output. */
export interface ActionOutputs extends Omit<ActionInputs, "code"> {
  /** `package/action`, the form a trigger's `function` takes. */
  qualifiedName: string;
  /** Set for web actions: `<api_host>/api/v1/web/<namespace>/<package>/<action>`. */
  webUrl?: string;
  codeSha256: string;
}

// OpenWhisk entity names: first character alphanumeric or underscore, then alphanumerics,
// spaces, `_@.-`, not ending in a space, at most 256 characters (OpenWhisk docs, "Entity names").
const ENTITY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_@.\- ]{0,255}$/;

/** The action provider, with its clients supplied by `deps` at each call. */
export function actionProvider(deps: () => ProviderDeps): pulumi.dynamic.ResourceProvider<ActionInputs, ActionOutputs> {
  return {
    async check(_olds, news) {
      const failures = new CheckFailures();
      failures.requireString("namespaceId", news.namespaceId);
      for (const property of ["packageName", "actionName"] as const) {
        const value = news[property];
        if (failures.requireString(property, value) && (!ENTITY_NAME.test(value) || value.endsWith(" "))) {
          failures.add(property, `${property} "${value}" must start with a letter, digit or _, continue with letters, digits, spaces or _@.-, and be at most 256 characters`);
        }
      }
      if (!isUnknown(news.code) && (typeof news.code !== "string" || news.code.length === 0)) failures.add("code", "code must be the non-empty JavaScript source of the function");
      if (!isUnknown(news.runtime) && !FUNCTIONS_NODE_RUNTIMES.includes(news.runtime)) {
        failures.add("runtime", `runtime ${JSON.stringify(news.runtime)} is not a DigitalOcean Functions Node.js runtime; use one of ${FUNCTIONS_NODE_RUNTIMES.join(", ")}`);
      }
      if (news.main !== undefined) failures.requireString("main", news.main);
      if (!isUnknown(news.web) && typeof news.web !== "boolean") failures.add("web", `web must be true or false (got ${JSON.stringify(news.web)})`);
      checkLimits(failures, news.limits);
      checkParameters(failures, news.parameters);
      return { inputs: news, failures: failures.failures };
    },

    async diff(_id, olds, news) {
      const replaces = changedProperties(olds, news, ["namespaceId", "packageName", "actionName"]);
      const changes = [...replaces, ...changedProperties(olds, news, ["runtime", "main", "web", "limits", "parameters"])];
      if (typeof news.code === "string" && sha256(news.code) !== olds.codeSha256) changes.push("code");
      return { changes: changes.length > 0, replaces };
    },

    async create(inputs) {
      const outs = await deploy(deps(), inputs);
      return { id: actionId(inputs), outs };
    },

    async update(_id, _olds, news) {
      return { outs: await deploy(deps(), news) };
    },

    async read(id, props) {
      if (!props) return { id, props };
      let action: OpenWhiskAction | undefined;
      try {
        action = await (await deps().openWhisk(props.namespaceId)).getAction(props.packageName, props.actionName);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (!action) return {};
      return { id, props: { ...props, runtime: action.exec.kind as FunctionsNodeRuntime, codeSha256: sha256(action.exec.code), limits: { timeoutMs: action.limits.timeout, memoryMb: action.limits.memory } } };
    },

    async delete(_id, props) {
      try {
        const openWhisk = await deps().openWhisk(props.namespaceId);
        await openWhisk.deleteAction(props.packageName, props.actionName);
      } catch (error) {
        // A deleted namespace took its actions with it.
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

/** Ensures the package, then puts the action with overwrite so create and update converge. */
async function deploy(deps: ProviderDeps, inputs: ActionInputs): Promise<ActionOutputs> {
  const openWhisk = await deps.openWhisk(inputs.namespaceId);
  await openWhisk.ensurePackage(inputs.packageName);
  await openWhisk.putAction(inputs.packageName, inputs.actionName, actionBody(inputs));
  const { code, ...settings } = inputs;
  return {
    ...settings,
    qualifiedName: `${inputs.packageName}/${inputs.actionName}`,
    ...(inputs.web ? { webUrl: openWhisk.webActionUrl(inputs.packageName, inputs.actionName) } : {}),
    codeSha256: sha256(code),
  };
}

/** The OpenWhisk action document for these inputs. */
export function actionBody(inputs: ActionInputs): OpenWhiskAction {
  return {
    exec: { kind: inputs.runtime, code: inputs.code, binary: false, ...(inputs.main ? { main: inputs.main } : {}) },
    parameters: Object.entries(inputs.parameters).map(([key, value]) => ({ key, value })),
    annotations: [
      { key: "web-export", value: inputs.web },
      // Final bound parameters cannot be overridden by a web request's query or body.
      { key: "final", value: true },
      { key: "raw-http", value: false },
    ],
    limits: { timeout: inputs.limits.timeoutMs, memory: inputs.limits.memoryMb },
  };
}

function checkLimits(failures: CheckFailures, limits: unknown): void {
  if (isUnknown(limits)) return;
  const given = (limits ?? {}) as Record<string, unknown>;
  for (const [field, range] of [["timeoutMs", ACTION_LIMITS.timeoutMs], ["memoryMb", ACTION_LIMITS.memoryMb]] as const) {
    const value = given[field];
    if (isUnknown(value)) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
      failures.add(`limits.${field}`, `limits.${field} must be an integer from ${range.min} to ${range.max} (got ${JSON.stringify(value)})`);
    }
  }
}

function checkParameters(failures: CheckFailures, parameters: unknown): void {
  if (isUnknown(parameters)) return;
  if (parameters === null || typeof parameters !== "object" || Array.isArray(parameters)) {
    failures.add("parameters", "parameters must be an object of string values");
    return;
  }
  for (const [key, value] of Object.entries(parameters)) {
    // Values may be secrets: name the key, never echo the value.
    if (!isUnknown(value) && typeof value !== "string") failures.add(`parameters.${key}`, `parameters.${key} must be a string (got a ${typeof value})`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(parameters));
  if (bytes > ACTION_LIMITS.parametersBytes) failures.add("parameters", `parameters total ${bytes} bytes; DigitalOcean allows at most ${ACTION_LIMITS.parametersBytes}`);
}

function actionId(inputs: Pick<ActionInputs, "namespaceId" | "packageName" | "actionName">): string {
  return `${inputs.namespaceId}/${inputs.packageName}/${inputs.actionName}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
