/**
 * DigitalOcean's OpenAPI 3.0 spec as a test oracle: finds the operation for a concrete
 * method + path and validates query/path parameters, JSON request bodies and JSON responses
 * with ajv, so the fake API and the client are checked against DigitalOcean's own contract
 * rather than against our memory of it.
 *
 * OpenAPI 3.0 schemas are not JSON Schema; the differences handled here:
 * - `nullable: true` becomes a `"null"` type (or an `anyOf` with null when there is no `type`);
 * - `readOnly` properties are not required in requests, `writeOnly` ones not in responses;
 * - `example`, `examples`, `discriminator` (ajv cannot take `mapping`; the `oneOf` still
 *   decides), `xml`, `externalDocs` and `x-*` are dropped;
 * - objects that declare their properties are closed (`unevaluatedProperties: false`, which
 *   sees through `allOf`), so a response carrying a field the spec lacks is reported; objects
 *   that declare no properties or have `additionalProperties` stay open.
 * The spec is 3 MB, so it is parsed once and validators are compiled lazily and cached.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2019 from "ajv/dist/2019";
import type { ValidateFunction, ErrorObject } from "ajv";
import addFormats from "ajv-formats";

/** The bundled spec vendored in the repository (commit and licence in its NOTICE). */
export const DIGITALOCEAN_OPENAPI_PATH = path.resolve(__dirname, "../../vendor/digitalocean-openapi/digitalocean-openapi.json");

/** A JSON value as the spec holds it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The parts of an OpenAPI operation this module reads. */
export interface OpenApiOperation {
  operationId?: string;
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
}

/** The parsed spec; `paths` maps templates such as `/v2/customers/my/invoices/{invoice_uuid}`. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
  components: Record<string, Record<string, Json>>;
}

/** An operation matched to a concrete request path, with the template's parameters filled in. */
export interface MatchedOperation {
  method: string;
  template: string;
  operation: OpenApiOperation;
  pathParams: Record<string, string>;
}

/** Query values as Node and `URL` give them. */
export type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

type Mode = "request" | "response";

const DROPPED_KEYWORDS = new Set(["example", "examples", "discriminator", "xml", "externalDocs", "nullable"]);
// Keywords whose value is a map from names to schemas (the names must not be transformed).
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties", "definitions"]);
const SCHEMA_LIST_KEYWORDS = new Set(["allOf", "anyOf", "oneOf"]);
// `page` and `per_page` work on every paginated DigitalOcean list, but some operations
// (e.g. billing/billingHistory_list.yml) forget to declare them while returning `links`.
const PAGING_PARAMETERS = ["page", "per_page"];

let spec: OpenApiDocument | undefined;
let templates: { template: string; pattern: RegExp; names: string[]; literalSegments: number }[] | undefined;
const ajvByMode = new Map<Mode, Ajv2019>();
const validatorCache = new Map<string, ValidateFunction | null>();

/** Parses the bundled spec once per process. */
export function loadDigitalOceanSpec(): OpenApiDocument {
  if (!spec) {
    const parsed = JSON.parse(fs.readFileSync(DIGITALOCEAN_OPENAPI_PATH, "utf8")) as OpenApiDocument;
    if (!parsed.openapi?.startsWith("3.0")) {
      throw new Error(`${DIGITALOCEAN_OPENAPI_PATH}: expected OpenAPI 3.0 (got openapi=${JSON.stringify(parsed.openapi)})`);
    }
    spec = parsed;
  }
  return spec;
}

/** Follows a `#/a/b/c` JSON pointer, resolving `$ref`s met on the way (and at the end). */
export function schemaAt(pointer: string): Json {
  const parts = pointerParts(pointer);
  let node: Json = loadDigitalOceanSpec() as unknown as Json;
  for (const [index, part] of parts.entries()) {
    node = derefLocal(node);
    if (node === null || typeof node !== "object" || !(part in node)) {
      throw new Error(`schemaAt(${pointer}): no "${part}" at #/${parts.slice(0, index).join("/")}`);
    }
    node = (node as JsonObject)[part] ?? null;
  }
  return derefLocal(node);
}

/**
 * The `enum` at a schema pointer (or of its array items), so tests read DigitalOcean's
 * allowed values from the spec instead of copying them.
 */
export function enumAt(pointer: string): readonly (string | number)[] {
  let node = schemaAt(pointer);
  if (isObject(node) && node.type === "array" && node.items !== undefined) node = derefLocal(node.items);
  if (!isObject(node) || !Array.isArray(node.enum)) throw new Error(`enumAt(${pointer}): the schema there has no enum`);
  return node.enum.filter((value): value is string | number => typeof value === "string" || typeof value === "number");
}

/**
 * The operation for a method and a concrete path (no query string). Templates with more
 * literal segments win, so `/v2/apps/tiers/instance_sizes` beats `/v2/apps/{id}/...`.
 */
export function findOperation(method: string, requestPath: string): MatchedOperation | undefined {
  const doc = loadDigitalOceanSpec();
  templates ??= Object.keys(doc.paths)
    .map((template) => {
      const names: string[] = [];
      const segments = template.split("/");
      const source = segments
        .map((segment) =>
          segment.replace(/\{([^}]+)\}|([^{]+)/g, (_match, name: string | undefined, literal: string | undefined) => {
            if (name) {
              names.push(name);
              return "([^/]+)";
            }
            return escapeRegExp(literal ?? "");
          }),
        )
        .join("/");
      return {
        template,
        pattern: new RegExp(`^${source}/?$`),
        names,
        literalSegments: segments.filter((segment) => !segment.includes("{")).length,
      };
    })
    .sort((a, b) => b.literalSegments - a.literalSegments);
  const lower = method.toLowerCase();
  for (const candidate of templates) {
    const match = candidate.pattern.exec(requestPath);
    if (!match) continue;
    const operation = doc.paths[candidate.template]?.[lower];
    if (!isObject(operation)) continue;
    const pathParams: Record<string, string> = {};
    candidate.names.forEach((name, index) => (pathParams[name] = decodeURIComponent(match[index + 1] ?? "")));
    return { method: lower, template: candidate.template, operation: operation as unknown as OpenApiOperation, pathParams };
  }
  return undefined;
}

/**
 * Validates a request: the path must be an operation of the spec, path and query parameters
 * must match their schemas (no undeclared query parameters), and a JSON body must match the
 * request body schema. Returns human-readable problems; empty means valid.
 */
export function validateRequest(method: string, requestPath: string, query: QueryInput = {}, body?: unknown): string[] {
  const where = `${method.toUpperCase()} ${requestPath}`;
  const matched = findOperation(method, requestPath);
  if (!matched) return [`${where}: no operation in the DigitalOcean spec`];
  const problems: string[] = [];
  const parameters = operationParameters(matched);
  const queryValues = queryToRecord(query);

  for (const parameter of parameters) {
    const name = String(parameter.name);
    const source = parameter.in === "path" ? matched.pathParams : parameter.in === "query" ? queryValues : undefined;
    if (!source) continue; // headers and cookies are the transport's business
    const raw = source[name];
    if (raw === undefined) {
      if (parameter.required === true) problems.push(`${where}: required ${parameter.in} parameter "${name}" is missing`);
      continue;
    }
    const pointer = `${matched.template}|${matched.method}|param|${parameter.in}|${name}`;
    const validate = compile(pointer, "request", parameter.schema ?? {});
    const value = coerceParameter(raw, derefLocal(parameter.schema ?? {}));
    if (validate && !validate(value)) {
      problems.push(...formatErrors(`${where}: ${parameter.in} parameter "${name}"=${JSON.stringify(raw)}`, validate.errors));
    }
  }

  const declared = new Set(parameters.filter((p) => p.in === "query").map((p) => String(p.name)));
  if (isPaginated(matched)) PAGING_PARAMETERS.forEach((name) => declared.add(name));
  for (const name of Object.keys(queryValues)) {
    if (!declared.has(name)) problems.push(`${where}: query parameter "${name}" is not declared by ${operationName(matched)}`);
  }

  const requestBody = matched.operation.requestBody ? derefLocal(matched.operation.requestBody as Json) : undefined;
  const bodySchema = isObject(requestBody) ? jsonMediaSchema(requestBody) : undefined;
  if (body !== undefined) {
    if (bodySchema === undefined) {
      problems.push(`${where}: ${operationName(matched)} takes no JSON request body`);
    } else {
      const validate = compile(`${matched.template}|${matched.method}|body`, "request", bodySchema);
      if (validate && !validate(body)) problems.push(...formatErrors(`${where}: request body`, validate.errors));
    }
  } else if (isObject(requestBody) && requestBody.required === true) {
    problems.push(`${where}: request body is required by ${operationName(matched)}`);
  }
  return problems;
}

/**
 * Validates a response body against the spec's schema for its status code (or `default`).
 * `body` is the parsed JSON, or `undefined` for an empty body (204).
 */
export function validateResponse(method: string, requestPath: string, status: number, body: unknown): string[] {
  const where = `${method.toUpperCase()} ${requestPath} → ${status}`;
  const matched = findOperation(method, requestPath);
  if (!matched) return [`${where}: no operation in the DigitalOcean spec`];
  const responses = matched.operation.responses;
  const key = String(status) in responses ? String(status) : "default" in responses ? "default" : undefined;
  if (!key) return [`${where}: status ${status} is not declared by ${operationName(matched)}`];
  const response = derefLocal(responses[key] ?? {});
  const schema = isObject(response) ? jsonMediaSchema(response) : undefined;
  if (schema === undefined) {
    return body === undefined ? [] : [`${where}: the spec declares no JSON body for this status (got one)`];
  }
  if (body === undefined) return [`${where}: the spec declares a JSON body for this status (got none)`];
  const validate = compile(`${matched.template}|${matched.method}|response|${key}`, "response", schema);
  return validate && !validate(body) ? formatErrors(`${where}: response body`, validate.errors) : [];
}

/** The resolved response schema of an operation, for tools (and tests) that build payloads. */
export function responseSchemaOf(method: string, template: string, status = "200"): Json | undefined {
  const operation = loadDigitalOceanSpec().paths[template]?.[method.toLowerCase()];
  if (!isObject(operation) || !isObject(operation.responses)) return undefined;
  const response = derefLocal(operation.responses[status] ?? null);
  return isObject(response) ? jsonMediaSchema(response) : undefined;
}

// ---------------------------------------------------------------------------------------

function operationParameters(matched: MatchedOperation): JsonObject[] {
  const pathLevel = loadDigitalOceanSpec().paths[matched.template]?.parameters;
  const all = [...(Array.isArray(pathLevel) ? pathLevel : []), ...(matched.operation.parameters ?? [])];
  const byKey = new Map<string, JsonObject>();
  for (const entry of all) {
    const parameter = derefLocal(entry);
    if (isObject(parameter)) byKey.set(`${parameter.in}:${parameter.name}`, parameter); // operation level overrides
  }
  return [...byKey.values()];
}

function isPaginated(matched: MatchedOperation): boolean {
  const schema = responseSchemaOf(matched.method, matched.template, "200");
  return schema !== undefined && JSON.stringify(schema).includes('"#/components/schemas/pagination"');
}

function operationName(matched: MatchedOperation): string {
  return `${matched.operation.operationId ?? matched.method} (${matched.method.toUpperCase()} ${matched.template})`;
}

function jsonMediaSchema(holder: JsonObject): Json | undefined {
  const content = holder.content;
  if (!isObject(content)) return undefined;
  const mediaType = Object.keys(content).find((type) => type === "application/json" || type.endsWith("+json"));
  const media = mediaType ? content[mediaType] : undefined;
  return isObject(media) && media.schema !== undefined ? media.schema : undefined;
}

function queryToRecord(query: QueryInput): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  const add = (key: string, value: string) => {
    const existing = record[key];
    record[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  };
  if (query instanceof URLSearchParams) query.forEach((value, key) => add(key, value));
  else for (const [key, value] of Object.entries(query)) if (value !== undefined) [value].flat().forEach((v) => add(key, v));
  return record;
}

/** Query and path values arrive as strings; the schema says what they should have been. */
function coerceParameter(raw: string | string[], schema: Json): unknown {
  const type = isObject(schema) ? schema.type : undefined;
  if (type === "array") {
    const items = isObject(schema) ? derefLocal(schema.items ?? {}) : {};
    const values = Array.isArray(raw) ? raw : raw.split(",");
    return values.map((value) => coerceParameter(value, items));
  }
  const value = Array.isArray(raw) ? raw[raw.length - 1] ?? "" : raw;
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

function formatErrors(prefix: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const detail = error.keyword === "unevaluatedProperties"
      ? `has a property the spec lacks: "${String(error.params.unevaluatedProperty)}"`
      : error.keyword === "additionalProperties"
        ? `has a property the spec lacks: "${String(error.params.additionalProperty)}"`
        : error.message ?? error.keyword;
    return `${prefix}${error.instancePath || ""} ${detail}`;
  });
}

function compile(cacheKey: string, mode: Mode, schema: Json): ValidateFunction | null {
  const key = `${mode}|${cacheKey}`;
  if (!validatorCache.has(key)) {
    const root = transformValue(schema, mode);
    validatorCache.set(key, ajvFor(mode).compile(root as object));
  }
  return validatorCache.get(key) ?? null;
}

function ajvFor(mode: Mode): Ajv2019 {
  let ajv = ajvByMode.get(mode);
  if (!ajv) {
    ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: true });
    addFormats(ajv);
    // Formats the spec uses that ajv-formats does not know; they are documentation only.
    for (const name of ["rfc5424", "rfc3164", "string", "uint32", "uint64", "cidr"]) ajv.addFormat(name, true);
    const definitions: Record<string, Json> = {};
    for (const [name, component] of Object.entries(loadDigitalOceanSpec().components.schemas ?? {})) {
      definitions[name] = transformSchema(component, mode);
    }
    ajv.addSchema({ $id: componentsId(mode), definitions });
    ajvByMode.set(mode, ajv);
  }
  return ajv;
}

function componentsId(mode: Mode): string {
  return `https://do-cost-guard.test/digitalocean-openapi/${mode}/components.json`;
}

/** A schema in a value position (root, property, item): closed if it declares its properties. */
function transformValue(node: Json, mode: Mode): Json {
  const transformed = transformSchema(node, mode);
  if (isObject(transformed) && closure(node, new Set()) === "closed") {
    return { ...transformed, unevaluatedProperties: false };
  }
  return transformed;
}

function transformSchema(node: Json, mode: Mode): Json {
  if (!isObject(node)) return node;
  if (typeof node.$ref === "string") {
    return { $ref: node.$ref.replace(/^#\/components\/schemas\//, `${componentsId(mode)}#/definitions/`) };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith("x-")) continue;
    if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, transformValue(child, mode)]));
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((child) => transformSchema(child, mode));
    } else if ((key === "items" || key === "additionalProperties") && isObject(value)) {
      out[key] = transformValue(value, mode);
    } else if (key === "not" && isObject(value)) {
      out[key] = transformSchema(value, mode);
    } else if (key === "required" && Array.isArray(value)) {
      const hidden = mode === "request" ? "readOnly" : "writeOnly";
      const properties = isObject(node.properties) ? node.properties : {};
      out[key] = value.filter((name) => {
        const property = typeof name === "string" ? derefLocal(properties[name] ?? {}) : {};
        return !(isObject(property) && property[hidden] === true);
      });
    } else {
      out[key] = value;
    }
  }
  if (node.nullable === true) {
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [{ type: "null" }, out] };
  }
  return out;
}

type Closure = "closed" | "open" | "neutral";

/** Whether a schema, through refs and compositions, lists its properties and nothing else. */
function closure(node: Json, seen: Set<string>): Closure {
  if (!isObject(node)) return "neutral";
  if (typeof node.$ref === "string") {
    if (seen.has(node.$ref)) return "neutral";
    return closure(derefLocal(node), new Set([...seen, node.$ref]));
  }
  if (node.additionalProperties !== undefined && node.additionalProperties !== false) return "open";
  if (node.patternProperties !== undefined) return "open";
  let result: Closure = isObject(node.properties) ? "closed" : "neutral";
  for (const keyword of SCHEMA_LIST_KEYWORDS) {
    const branches = node[keyword];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      const branchClosure = closure(branch, seen);
      if (branchClosure === "open") return "open";
      if (branchClosure === "closed") result = "closed";
    }
  }
  return result;
}

function derefLocal(node: Json): Json {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === "string"; hops++) {
    if (hops > 20) throw new Error(`$ref chain too long at ${current.$ref}`);
    const ref: string = current.$ref;
    if (!ref.startsWith("#/")) throw new Error(`only internal $refs are supported (got ${ref})`);
    let target: Json = loadDigitalOceanSpec() as unknown as Json;
    for (const part of pointerParts(ref)) {
      target = isObject(target) ? target[part] ?? null : null;
    }
    if (target === null) throw new Error(`$ref ${ref} points at nothing`);
    current = target;
  }
  return current;
}

function pointerParts(pointer: string): string[] {
  return pointer
    .replace(/^#?\/?/, "")
    .split("/")
    .filter((part) => part.length > 0)
    .map((part) => decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~"));
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
