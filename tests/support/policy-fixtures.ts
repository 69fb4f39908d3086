/**
 * Calls a policy's validateResource / validateStack directly, with arguments built the way the
 * policy SDK's analyzer server builds them: inputs go through a protobuf Struct, the SDK's
 * deserializer (so UNKNOWN becomes an unknown value) and its unknown-checking proxy.
 */
import { Struct, JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";

/** The engine's "unknown until deploy" value (same sentinel as scripts/lib/policy-pack-host.ts). */
export { UNKNOWN } from "../../scripts/lib/policy-pack-host";

// The SDK's deserializer is internal (no typings); it is the code the analyzer server runs.
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
  deserializeProperties: (struct: Struct, proxySecrets: boolean) => Record<string, unknown>;
};

/** A resource for a direct policy call; `propertyDependencies` name URNs of other fixture resources. */
export interface FixtureResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  propertyDependencies?: Record<string, string[]>;
}

/** A reported violation: message and, for stack policies, the URN it names. */
export interface ReportedViolation {
  message: string;
  urn?: string;
}

/** The URN Pulumi would give a fixture resource in stack `prod` of project `forkline`. */
export function urnOf(type: string, name: string): string {
  return `urn:pulumi:prod::forkline::${type}::${name}`;
}

/** Props as the SDK hands them to a policy: through a protobuf Struct, its deserializer and its unknown-checking proxy. */
export function engineProps(props: Record<string, unknown>): Record<string, unknown> {
  const struct = Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Record<string, JavaScriptValue>);
  return unknownCheckingProxy(deserializeProperties(struct, false)) as Record<string, unknown>;
}

function collector(): { violations: ReportedViolation[]; report: ReportViolation } {
  const violations: ReportedViolation[] = [];
  const report: ReportViolation = (message: string, urn?: string) => {
    violations.push(urn === undefined ? { message } : { message, urn });
  };
  return { violations, report };
}

/** Runs a resource policy's validateResource on one fixture with the given policy config. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, resource: FixtureResource, config: object = {}): Promise<ReportedViolation[]> {
  const { violations, report } = collector();
  const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  const props = engineProps(resource.props);
  const args: ResourceValidationArgs = {
    type: resource.type,
    name: resource.name,
    urn: urnOf(resource.type, resource.name),
    props,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`policy called notApplicable(${reason}); validators in this pack return instead`);
    },
  };
  for (const validate of validations) await validate(args, report);
  return violations;
}

/** Runs a stack policy's validateStack on fixtures with the given policy config. */
export async function runStackPolicy(policy: StackValidationPolicy, resources: FixtureResource[], config: object = {}): Promise<ReportedViolation[]> {
  const { violations, report } = collector();
  const byUrn = new Map<string, PolicyResource>();
  const policyResources = resources.map((resource) => {
    const policyResource: PolicyResource = {
      type: resource.type,
      name: resource.name,
      urn: urnOf(resource.type, resource.name),
      props: engineProps(resource.props),
      opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    };
    byUrn.set(policyResource.urn, policyResource);
    return policyResource;
  });
  resources.forEach((resource, index) => {
    for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
      policyResources[index].propertyDependencies[property] = urns.map((urn) => {
        const target = byUrn.get(urn);
        if (!target) throw new Error(`fixture ${resource.name}: propertyDependencies.${property} names ${urn}, which is not in the fixture stack`);
        return target;
      });
    }
  });
  const args: StackValidationArgs = {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new Error(`policy called notApplicable(${reason}); validators in this pack return instead`);
    },
  };
  await policy.validateStack(args, report);
  return violations;
}

const DROPLET = "digitalocean:index/droplet:Droplet";

/** A tagged production droplet that passes every tag policy. */
export function compliantDroplet(name = "worker-1", tags: unknown = ["env:prod", "service:worker", "owner:kitchen"]): FixtureResource {
  return { type: DROPLET, name, props: { image: "ubuntu-24-04-x64", region: "nyc3", size: "s-1vcpu-2gb", tags } };
}
