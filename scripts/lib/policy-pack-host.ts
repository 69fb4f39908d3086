/**
 * Runs a CrossGuard policy pack the way the Pulumi CLI does and drives it over the analyzer gRPC
 * protocol, so the offline plan, the tests and the benchmark evaluate policies through the same
 * code path `pulumi preview --policy-pack` uses, without a Pulumi CLI.
 *
 * What the CLI does, and what we copy (pulumi/pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`):
 * - it starts `pulumi-analyzer-policy <engine-address> .` with cwd = the pack directory; that script
 *   runs `@pulumi/pulumi/cmd/run-policy-pack`, which registers ts-node, requires the pack, and the
 *   `PolicyPack` constructor starts a gRPC server on 127.0.0.1 and prints its port on stdout;
 * - it calls `GetAnalyzerInfo`, builds each policy's config from the schema defaults, overlays the
 *   `--policy-pack-config` file (`all` first, then per policy), validates it and calls `Configure`;
 * - it calls `Analyze` once per resource with its inputs, and `AnalyzeStack` once with all of them.
 *
 * Where we differ: the engine passes its own monitor address as the first argument, but
 * run-policy-pack drops that argument before loading the pack (`argv._.shift()` in
 * `cmd/run-policy-pack/index.js`) and policies never call the engine, so we pass an unroutable
 * placeholder. And our config check is stricter than the engine's: the engine forwards only
 * `properties`/`required` of each schema, so it never rejects unknown keys; we reject config for
 * policies the pack does not have and properties the schema does not declare, naming them.
 */
import { ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject } from "ajv";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";

/**
 * The value the engine sends for an input that is not known until deploy (pulumi
 * `sdk/go/common/resource/plugin/rpc.go` `UnknownStringValue`); put it anywhere in `properties`
 * to analyze a resource as `pulumi preview` would see it.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Arguments passed to run-policy-pack ahead of the pack directory, in the engine's place. */
const PLACEHOLDER_ENGINE_ADDRESS = "127.0.0.1:0";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

const LEVEL_TO_PROTO: Record<EnforcementLevel, analyzerProto.EnforcementLevel> = {
  advisory: analyzerProto.EnforcementLevel.ADVISORY,
  mandatory: analyzerProto.EnforcementLevel.MANDATORY,
  remediate: analyzerProto.EnforcementLevel.REMEDIATE,
  disabled: analyzerProto.EnforcementLevel.DISABLED,
};

function levelFromProto(level: analyzerProto.EnforcementLevel): EnforcementLevel {
  const found = ENFORCEMENT_LEVELS.find((name) => LEVEL_TO_PROTO[name] === level);
  if (!found) throw new Error(`policy pack sent unknown enforcement level ${level}`);
  return found;
}

/** A resource as the engine describes it to an analyzer. */
export interface AnalyzerResource {
  urn: string;
  /** Pulumi type token, e.g. `digitalocean:index/droplet:Droplet`. */
  type: string;
  name: string;
  /** The resource's inputs; use {@link UNKNOWN} for values only known after deploy. */
  properties: Record<string, unknown>;
  /** URN of the parent resource, if any (analyzeStack only). */
  parent?: string;
  /** URNs this resource depends on (analyzeStack only). */
  dependencies?: string[];
  /** For each input, the URNs of the resources whose outputs flow into it (analyzeStack only). */
  propertyDependencies?: Record<string, string[]>;
}

/** One policy violation reported by the pack. */
export interface PolicyViolation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  /** The resource it concerns; absent for a stack-wide violation. */
  urn?: string;
  message: string;
}

/** One policy as the pack describes itself in `GetAnalyzerInfo`. */
export interface PolicyDescription {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  configSchema?: { properties: Record<string, Record<string, unknown>>; required: string[] };
}

/** The pack's `GetAnalyzerInfo` answer. */
export interface PolicyPackInfo {
  name: string;
  version: string;
  policies: PolicyDescription[];
}

/** Effective config of one policy after defaults and the config file are applied. */
export interface EffectivePolicyConfig {
  enforcementLevel: EnforcementLevel;
  properties: Record<string, unknown>;
}

/** The `--policy-pack-config` JSON: per policy (or `all`) an enforcement level or an object of properties. */
export type PolicyPackConfigJson = Record<string, unknown>;

/** Raised when a policy pack config is invalid; `problems` lists each bad key with its policy. */
export class PolicyPackConfigError extends Error {
  constructor(
    source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid config for this policy pack:\n  - ${problems.join("\n  - ")}`);
    this.name = "PolicyPackConfigError";
  }
}

/** Options for {@link startPolicyPack}. */
export interface StartPolicyPackOptions {
  /** Config applied right after start, as a JSON file path or an object; schema defaults when absent. */
  config?: string | PolicyPackConfigJson;
  /** How long to wait for the pack to print its port (it type-checks with ts-node first). */
  startTimeoutMs?: number;
  /** Extra environment for the pack, e.g. PULUMI_STACK / PULUMI_PROJECT as the engine sets them. */
  env?: Record<string, string>;
  /** Analyze calls kept in flight by analyzeAll. */
  concurrency?: number;
}

/** The outcome of analyzing a whole stack. */
export interface StackAnalysis {
  violations: PolicyViolation[];
  /** True when any violation is mandatory: `pulumi preview` would fail. */
  blocked: boolean;
}

/** A running policy pack and a gRPC client connected to it. */
export interface PolicyPackHost {
  readonly info: PolicyPackInfo;
  /** Process id of the pack, for diagnostics; the host stops it in close(). */
  readonly pid: number | undefined;
  /** The config last sent with `Configure`, per policy. */
  readonly config: Readonly<Record<string, EffectivePolicyConfig>>;
  /** Applies schema defaults, overlays `source` (file path or object), validates and sends `Configure`. */
  configure(source?: string | PolicyPackConfigJson): Promise<Record<string, EffectivePolicyConfig>>;
  /** `Analyze` for one resource. */
  analyze(resource: AnalyzerResource): Promise<PolicyViolation[]>;
  /** `AnalyzeStack` for all resources at once. */
  analyzeStack(resources: readonly AnalyzerResource[]): Promise<PolicyViolation[]>;
  /** `Analyze` for every resource (pipelined), then `AnalyzeStack`, as a preview does. */
  analyzeAll(resources: readonly AnalyzerResource[]): Promise<StackAnalysis>;
  /** Closes the client and stops the pack process, waiting until it has exited; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the pack in `packDir` exactly as the Pulumi CLI does, reads its analyzer info and
 * configures it (with `opts.config` over the schema defaults).
 */
export async function startPolicyPack(packDir: string, opts: StartPolicyPackOptions = {}): Promise<PolicyPackHost> {
  const absolutePackDir = path.resolve(packDir);
  // Resolved from the pack directory, as the CLI's pulumi-analyzer-policy script does, so the pack
  // runs with the @pulumi/pulumi it would find (here: the repository root's node_modules).
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [absolutePackDir] });
  const child = spawn(process.execPath, [runPolicyPack, PLACEHOLDER_ENGINE_ADDRESS, "."], {
    cwd: absolutePackDir,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);

  let client: AnalyzerClient | undefined;
  try {
    const port = await readPort(child, absolutePackDir, opts.startTimeoutMs ?? 60_000);
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      // The engine raises the limit the same way: one AnalyzeStack carries every resource.
      "grpc.max_send_message_length": 400 * 1024 * 1024,
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
    });
    const info = describePack(await unary<Empty, analyzerProto.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty()));
    const host = new GrpcPolicyPackHost(child, client, info, opts.concurrency ?? 64, () => process.off("exit", killOnExit));
    await host.configure(opts.config);
    return host;
  } catch (error) {
    client?.close();
    process.off("exit", killOnExit);
    await stopChild(child);
    throw error;
  }
}

/** The fields `AnalyzeRequest` and `AnalyzerResource` share: one resource as the engine describes it. */
interface ResourceMessage {
  setUrn(value: string): unknown;
  setType(value: string): unknown;
  setName(value: string): unknown;
  setProperties(value: Struct): unknown;
  setOptions(value: ReturnType<typeof defaultResourceOptions>): unknown;
}

function describeResource<Message extends ResourceMessage>(message: Message, resource: AnalyzerResource): Message {
  message.setUrn(resource.urn);
  message.setType(resource.type);
  message.setName(resource.name);
  message.setProperties(Struct.fromJavaScript(toJsonObject(resource.properties)));
  message.setOptions(defaultResourceOptions(resource.parent));
  return message;
}

class GrpcPolicyPackHost implements PolicyPackHost {
  config: Record<string, EffectivePolicyConfig> = {};
  readonly pid: number | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly client: AnalyzerClient,
    readonly info: PolicyPackInfo,
    private readonly concurrency: number,
    private readonly forgetChild: () => void,
  ) {
    this.pid = child.pid;
  }

  async configure(source?: string | PolicyPackConfigJson): Promise<Record<string, EffectivePolicyConfig>> {
    const given = source === undefined ? {} : typeof source === "string" ? readConfigFile(source) : source;
    const label = typeof source === "string" ? source : "policy pack config";
    const effective = reconcileConfig(this.info, given, label);
    const request = new analyzerProto.ConfigureAnalyzerRequest();
    const configMap = request.getPolicyconfigMap();
    for (const [policy, config] of Object.entries(effective)) {
      const protoConfig = new analyzerProto.PolicyConfig();
      protoConfig.setEnforcementlevel(LEVEL_TO_PROTO[config.enforcementLevel]);
      protoConfig.setProperties(Struct.fromJavaScript(toJsonObject(config.properties)));
      configMap.set(policy, protoConfig);
    }
    await unary(this.client.configure.bind(this.client), request);
    this.config = effective;
    return effective;
  }

  async analyze(resource: AnalyzerResource): Promise<PolicyViolation[]> {
    const request = describeResource(new analyzerProto.AnalyzeRequest(), resource);
    const response = await unary<analyzerProto.AnalyzeRequest, analyzerProto.AnalyzeResponse>(this.client.analyze.bind(this.client), request);
    // The engine attributes a resource policy's diagnostics to the analyzed resource.
    return violationsOf(response, resource.urn);
  }

  async analyzeStack(resources: readonly AnalyzerResource[]): Promise<PolicyViolation[]> {
    const request = new analyzerProto.AnalyzeStackRequest();
    request.setResourcesList(
      resources.map((resource) => {
        const protoResource = describeResource(new analyzerProto.AnalyzerResource(), resource);
        protoResource.setParent(resource.parent ?? "");
        protoResource.setDependenciesList(resource.dependencies ?? []);
        const dependencyMap = protoResource.getPropertydependenciesMap();
        for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
          // The engine skips properties without dependencies; so do we.
          if (urns.length === 0) continue;
          const dependencies = new analyzerProto.AnalyzerPropertyDependencies();
          dependencies.setUrnsList(urns);
          dependencyMap.set(property, dependencies);
        }
        return protoResource;
      }),
    );
    const response = await unary<analyzerProto.AnalyzeStackRequest, analyzerProto.AnalyzeResponse>(this.client.analyzeStack.bind(this.client), request);
    return violationsOf(response, undefined);
  }

  async analyzeAll(resources: readonly AnalyzerResource[]): Promise<StackAnalysis> {
    const perResource: PolicyViolation[][] = new Array(resources.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < resources.length) {
        const index = next++;
        perResource[index] = await this.analyze(resources[index]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, resources.length) }, worker));
    const violations = [...perResource.flat(), ...(await this.analyzeStack(resources))];
    return { violations, blocked: violations.some((v) => v.enforcementLevel === "mandatory") };
  }

  async close(): Promise<void> {
    // Idempotent: stopChild returns at once when the pack has already exited.
    this.client.close();
    this.forgetChild();
    await stopChild(this.child);
  }
}

function readPort(child: ChildProcess, packDir: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const fail = (reason: string): void => {
      clearTimeout(timer);
      reject(new Error(`policy pack ${packDir} ${reason}${stderr ? `:\n${stderr.trim()}` : ""}`));
    };
    const timer = setTimeout(() => fail(`printed no port within ${timeoutMs} ms`), timeoutMs);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout?.setEncoding("utf8").on("data", function onData(chunk: string) {
      stdout += chunk;
      const newline = stdout.indexOf("\n");
      if (newline === -1) return;
      const line = stdout.slice(0, newline).trim();
      clearTimeout(timer);
      child.off("exit", onExit);
      // Keep draining stdout (policies may log) so the child never blocks on a full pipe.
      child.stdout?.off("data", onData).resume();
      const port = Number(line);
      if (Number.isInteger(port) && port > 0) resolve(port);
      else fail(`printed ${JSON.stringify(line)} where its gRPC port was expected`);
    });
    const onExit = (code: number | null, signal: string | null): void => fail(`exited (code ${code}, signal ${signal}) before printing its port`);
    child.once("exit", onExit);
    child.once("error", (error) => fail(`could not start: ${error.message}`));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const escalate = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(escalate);
}

type UnaryMethod<Req, Res> = (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(new Error(`policy pack call failed: ${error.details || error.message}`)) : resolve(response)));
  });
}

function describePack(info: analyzerProto.AnalyzerInfo): PolicyPackInfo {
  return {
    name: info.getName(),
    version: info.getVersion(),
    policies: info.getPoliciesList().map((policy) => {
      const schema = policy.getConfigschema();
      return {
        name: policy.getName(),
        description: policy.getDescription(),
        enforcementLevel: levelFromProto(policy.getEnforcementlevel()),
        configSchema: schema && {
          properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, Record<string, unknown>>,
          required: schema.getRequiredList(),
        },
      };
    }),
  };
}

function violationsOf(response: analyzerProto.AnalyzeResponse, resourceUrn: string | undefined): PolicyViolation[] {
  return response.getDiagnosticsList().map((diagnostic) => {
    const urn = diagnostic.getUrn() || resourceUrn;
    return {
      policy: diagnostic.getPolicyname(),
      enforcementLevel: levelFromProto(diagnostic.getEnforcementlevel()),
      ...(urn ? { urn } : {}),
      message: diagnostic.getMessage(),
    };
  });
}

function defaultResourceOptions(parent: string | undefined): analyzerProto.AnalyzerResourceOptions {
  // The pack refuses requests without options ("A more recent version of the Pulumi CLI is required").
  const options = new analyzerProto.AnalyzerResourceOptions();
  options.setCustomtimeouts(new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
  if (parent) options.setParent(parent);
  return options;
}

/** Struct.fromJavaScript rejects `undefined`; the engine never sends it, so drop it as JSON does. */
function toJsonObject(value: Record<string, unknown>): Record<string, JavaScriptValue> {
  return JSON.parse(JSON.stringify(value)) as Record<string, JavaScriptValue>;
}

function readConfigFile(file: string): PolicyPackConfigJson {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read policy pack config ${file}: ${(error as Error).message}`);
  }
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PolicyPackConfigError(file, [`is not JSON: ${(error as Error).message}`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new PolicyPackConfigError(file, ["must be a JSON object keyed by policy name"]);
  }
  return parsed as PolicyPackConfigJson;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });

/**
 * The engine's ReconcilePolicyPackConfig: schema defaults and the pack's own levels, then `all`,
 * then each policy's entry; then every policy's properties validated against its schema.
 */
function reconcileConfig(info: PolicyPackInfo, given: PolicyPackConfigJson, source: string): Record<string, EffectivePolicyConfig> {
  const problems: string[] = [];
  const byName = new Map(info.policies.map((policy) => [policy.name, policy]));
  const effective: Record<string, EffectivePolicyConfig> = {};
  for (const policy of info.policies) {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if ("default" in schema) defaults[key] = schema.default;
    }
    effective[policy.name] = { enforcementLevel: policy.enforcementLevel, properties: defaults };
  }

  const parseEntry = (name: string, value: unknown): { level?: EnforcementLevel; properties: Record<string, unknown> } | undefined => {
    const checkLevel = (level: unknown, where: string): EnforcementLevel | undefined => {
      if (ENFORCEMENT_LEVELS.includes(level as EnforcementLevel)) return level as EnforcementLevel;
      problems.push(`${where} must be one of ${ENFORCEMENT_LEVELS.join(", ")} (got ${JSON.stringify(level)})`);
      return undefined;
    };
    if (typeof value === "string") return { level: checkLevel(value, name), properties: {} };
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`${name} must be an enforcement level or an object (got ${JSON.stringify(value)})`);
      return undefined;
    }
    const { enforcementLevel, ...properties } = value as Record<string, unknown>;
    return { level: enforcementLevel === undefined ? undefined : checkLevel(enforcementLevel, `${name}.enforcementLevel`), properties };
  };

  if ("all" in given) {
    const all = parseEntry("all", given.all);
    if (all && Object.keys(all.properties).length > 0) problems.push(`all accepts only an enforcement level (got keys ${Object.keys(all.properties).join(", ")})`);
    if (all?.level) for (const config of Object.values(effective)) config.enforcementLevel = all.level;
  }
  for (const [name, value] of Object.entries(given)) {
    if (name === "all") continue;
    if (!byName.has(name)) {
      problems.push(`${name} is not a policy in pack ${info.name} (policies: ${[...byName.keys()].join(", ")})`);
      continue;
    }
    const entry = parseEntry(name, value);
    if (!entry) continue;
    if (entry.level) effective[name].enforcementLevel = entry.level;
    Object.assign(effective[name].properties, entry.properties);
  }

  for (const policy of info.policies) {
    const schema = {
      type: "object",
      properties: policy.configSchema?.properties ?? {},
      required: policy.configSchema?.required ?? [],
      additionalProperties: false,
    };
    const validate = ajv.compile(schema);
    if (!validate(effective[policy.name].properties)) {
      for (const error of validate.errors ?? []) problems.push(describeSchemaError(policy.name, error));
    }
  }
  if (problems.length > 0) throw new PolicyPackConfigError(source, problems);
  return effective;
}

function describeSchemaError(policy: string, error: ErrorObject): string {
  const where = `${policy}${error.instancePath.replace(/\//g, ".")}`;
  if (error.keyword === "additionalProperties") {
    return `${where}.${String(error.params.additionalProperty)} is not a setting of this policy`;
  }
  if (error.keyword === "required") return `${where}.${String(error.params.missingProperty)} is required`;
  return `${where} ${error.message ?? "is invalid"} (got ${JSON.stringify(error.data)})`;
}
