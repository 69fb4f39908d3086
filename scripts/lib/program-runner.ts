/**
 * Runs a Pulumi TypeScript program in this process under `pulumi.runtime.setMocks` and records
 * what it would register — no CLI, no provider plugins, no cloud. The offline plan and the
 * tests both use it, so "what the program declares" has one definition.
 *
 * Mocks must be installed before the program is imported: its top-level statements register
 * resources as they run.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** Stands in for a secret value wherever the plan prints or saves inputs. */
export const SECRET_MASK = "[secret]";
/** Stands in for a value only known after the resource is created. */
export const UNKNOWN_MASK = "(known after apply)";
const MAX_PRINTED_STRING = 1000;

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** False for component resources, which DigitalOcean never sees. */
  custom: boolean;
  parentUrn?: string;
  /** Inputs with secrets masked: safe to print and save. */
  inputs: Record<string, unknown>;
  /** Inputs as the engine would send them to a policy pack (secrets still marked, not masked). */
  engineInputs: Record<string, unknown>;
  /** State after the (mocked) create: the inputs plus the outputs the mocks fabricate. Engine encoding. */
  engineOutputs: Record<string, unknown>;
}

export interface ProgramRun {
  project: string;
  stack: string;
  resources: RecordedResource[];
  /** Stack outputs (the program's exports), secrets masked. */
  outputs: Record<string, unknown>;
}

export interface RunOptions {
  /** Absolute path of the program's entry point. */
  main: string;
  project: string;
  stack: string;
  /** Full keys ("project:key") → values. */
  config: Record<string, string>;
  secretKeys?: string[];
  /**
   * Answers provider function invokes (e.g. `digitalocean.getSizes`). Unanswered invokes fail the
   * run: a plan must not silently invent what the cloud would have said.
   */
  invoke?: (token: string, args: Record<string, unknown>) => Record<string, unknown> | undefined;
}

/** Raised when the program itself fails (bad config, exception in the program). */
export class ProgramError extends Error {
  constructor(readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "ProgramError";
  }
}

interface MockMonitorLike {
  registerResource(req: RegisterResourceRequestLike, callback: (err: unknown, resp?: RegisterResourceResponseLike) => void): void;
}
interface RegisterResourceResponseLike {
  getUrn(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface RegisterResourceRequestLike {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * Imports the program under recording mocks and waits until every registration has settled.
 * One program per process: Pulumi's runtime state and Node's module cache are process-wide.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const failures: unknown[] = [];
  const unansweredInvokes = new Set<string>();
  const onRejection = (reason: unknown) => failures.push(reason);
  let succeeded = false;
  process.on("unhandledRejection", onRejection);
  try {
    pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          const id = args.custom ? mockId(args.type, args.name) : "";
          return { id, state: { ...args.inputs, ...fabricatedOutputs(args.type, id, args.inputs) } };
        },
        call: (args) => {
          const answer = options.invoke?.(args.token, args.inputs);
          if (answer !== undefined) return answer;
          unansweredInvokes.add(args.token);
          const message = `the offline plan has no answer for invoke ${args.token}`;
          // The SDK rethrows a monitor error as `new Error(err.details)`: without details the program sees an empty message.
          throw Object.assign(new Error(message), { details: message });
        },
      },
      options.project,
      options.stack,
      true,
    );
    recordRegistrations(resources);

    let exports: Record<string, unknown> = {};
    try {
      exports = (await import(options.main)) as Record<string, unknown>;
    } catch (err) {
      throw new ProgramError(unansweredInvokes.size > 0 ? invokeFailure(unansweredInvokes) : err);
    }
    await settle();
    if (unansweredInvokes.size > 0) throw new ProgramError(invokeFailure(unansweredInvokes));
    if (failures.length > 0) throw new ProgramError(failures[0]);
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(exports)) {
      if (name === "default" || name === "__esModule") continue;
      try {
        outputs[name] = await resolveForDisplay(value);
      } catch (err) {
        throw new ProgramError(unansweredInvokes.size > 0 ? invokeFailure(unansweredInvokes) : err);
      }
    }
    succeeded = true;
    return { project: options.project, stack: options.stack, resources, outputs };
  } finally {
    // A failed program leaves rejected outputs behind that Node may only call unhandled a few ticks
    // later; the listener stays then, so they cannot crash the process after the failure was reported.
    if (succeeded) process.off("unhandledRejection", onRejection);
  }
}

/**
 * Why a run that called provider functions cannot be planned: the answer (an existing Droplet, a
 * size list, …) only exists in the cloud, and inventing it would price a stack that is not the real one.
 */
function invokeFailure(tokens: ReadonlySet<string>): Error {
  const names = [...tokens].map((token) => token.slice(token.lastIndexOf(":") + 1));
  return new Error(
    `the program calls the provider function${names.length > 1 ? "s" : ""} ${names.join(", ")} (${[...tokens].join(", ")}), which reads from the cloud; the offline plan cannot answer it — pass the value in through stack config instead`,
  );
}

/** Wraps the mock monitor so each registration is recorded with its URN and raw inputs. */
function recordRegistrations(into: RecordedResource[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, resp) => {
      if (!err && resp) {
        const engineInputs = req.getObject()?.toJavaScript() ?? {};

        into.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          parentUrn: req.getParent() || undefined,
          inputs: mask(engineInputs) as Record<string, unknown>,
          engineInputs,
          engineOutputs: resp.getObject()?.toJavaScript() ?? {},
        });
      }
      callback(err, resp);
    });
}

/**
 * DigitalOcean resource URNs ("do:droplet:123") are outputs, known only after create. Programs
 * wire them into `digitalocean.Project` resources, so the mocks make them up from the mock id
 * in DigitalOcean's format; everything else stays unknown, as in a real preview.
 */
const DIGITALOCEAN_URN_OUTPUTS: Record<string, [output: string, kind: string]> = {
  "digitalocean:index/droplet:Droplet": ["dropletUrn", "droplet"],
  "digitalocean:index/app:App": ["appUrn", "app"],
  "digitalocean:index/databaseCluster:DatabaseCluster": ["clusterUrn", "dbaas"],
  "digitalocean:index/kubernetesCluster:KubernetesCluster": ["clusterUrn", "kubernetes"],
  "digitalocean:index/loadBalancer:LoadBalancer": ["loadBalancerUrn", "loadbalancer"],
  "digitalocean:index/spacesBucket:SpacesBucket": ["bucketUrn", "space"],
  "digitalocean:index/reservedIp:ReservedIp": ["reservedIpUrn", "reservedip"],
  "digitalocean:index/volume:Volume": ["volumeUrn", "volume"],
  "digitalocean:index/domain:Domain": ["domainUrn", "domain"],
  "digitalocean:index/vpc:Vpc": ["vpcUrn", "vpc"],
};

/** Droplet ids are integers in DigitalOcean (programs convert them with Number); others are strings. */
function mockId(type: string, name: string): string {
  if (type !== "digitalocean:index/droplet:Droplet") return `${name}-id`;
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 100_000_000;
  return String(400_000_000 + hash);
}

function fabricatedOutputs(type: string, id: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const urnOutput = DIGITALOCEAN_URN_OUTPUTS[type];
  if (!urnOutput) return {};
  // Spaces buckets and domains are addressed by name in DigitalOcean URNs.
  const key = type.endsWith("spacesBucket:SpacesBucket") || type.endsWith("domain:Domain") ? String(inputs.name ?? id) : id;
  return { [urnOutput[0]]: `do:${urnOutput[1]}:${key}` };
}

/** Waits for the RPC queue to drain, through apply chains that register more resources. */
async function settle(): Promise<void> {
  // `disconnect` waits for every outstanding RPC (including those started by applies) before
  // closing the mock monitor; it is the SDK's own notion of "the program has finished".
  await pulumi.runtime.disconnect();
}

/** Replaces the engine's secret, unknown and resource-reference encodings with printable values. */
export function mask(value: unknown): unknown {
  if (value === unknownValue) return UNKNOWN_MASK;
  // Bundled function code and a dynamic resource's serialized provider are inputs too: say what they are, not all of them.
  if (typeof value === "string" && value.length > MAX_PRINTED_STRING) return `(${value.length.toLocaleString("en-US")} characters)`;
  if (Array.isArray(value)) return value.map(mask);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[specialSigKey] === specialSecretSig) return SECRET_MASK;
  if (record[specialSigKey] === specialResourceSig) return record.urn;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, mask(v)]));
}

async function resolveForDisplay(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    const [resolved, secret, known] = await Promise.all([
      // Outputs expose their promises only internally; these are the SDK's own fields.
      (output as unknown as { promise(): Promise<unknown> }).promise(),
      (output as unknown as { isSecret: Promise<boolean> }).isSecret,
      (output as unknown as { isKnown: Promise<boolean> }).isKnown,
    ]);
    if (secret) return SECRET_MASK;
    if (!known) return UNKNOWN_MASK;
    return resolveForDisplay(resolved);
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveForDisplay));
  if (typeof value === "object" && value !== null && !(value instanceof pulumi.Resource)) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveForDisplay(v)] as const));
    return Object.fromEntries(entries);
  }
  if (value instanceof pulumi.Resource) return "(resource)";
  return value === undefined ? UNKNOWN_MASK : value;
}
