import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Finding, formatCount, listFirst, reportEachOrSummary, reportScale, SUMMARY_CONFIG_SCHEMA, SUMMARY_DEFAULTS, SummaryConfig, whySummarized } from "./reporting";
import { configOver, describeResource, knownInputs } from "./support";

const PROJECT_TYPES: ReadonlySet<string> = new Set(["digitalocean:index/project:Project", "digitalocean:index/projectResources:ProjectResources"]);

/** How a resource joins a DigitalOcean Project from Pulumi: its own `projectId` input, or its URN output listed in a Project. */
interface ProjectAssignment {
  /** Output holding the `do:<kind>:<id>` URN that a Project's `resources` input lists. */
  urnOutput?: string;
  /** True when the resource takes a `projectId` input itself. */
  projectIdInput: boolean;
}

/**
 * Cost-bearing types without tags that a Project can hold (`@pulumi/digitalocean` 4.80.1 inputs and
 * outputs; URN kinds per the OpenAPI spec `shared/attributes/urn.yml`, commit 7c1300c of
 * 2026-08-07, plus apps, which the provider assigns through `projectId`). CDN endpoints, container
 * registries and droplet snapshots cannot join a project, so this policy does not ask them to.
 */
const PROJECT_ASSIGNABLE: ReadonlyMap<string, ProjectAssignment> = new Map([
  ["digitalocean:index/app:App", { urnOutput: "appUrn", projectIdInput: true }],
  ["digitalocean:index/loadBalancer:LoadBalancer", { urnOutput: "loadBalancerUrn", projectIdInput: true }],
  ["digitalocean:index/spacesBucket:SpacesBucket", { urnOutput: "bucketUrn", projectIdInput: false }],
  ["digitalocean:index/reservedIp:ReservedIp", { urnOutput: "reservedIpUrn", projectIdInput: false }],
  ["digitalocean:index/floatingIp:FloatingIp", { urnOutput: "floatingIpUrn", projectIdInput: false }],
  ["digitalocean:index/reservedIpv6:ReservedIpv6", { urnOutput: "reservedIpv6Urn", projectIdInput: false }],
  ["digitalocean:index/vpcNatGateway:VpcNatGateway", { projectIdInput: true }],
]);

/**
 * Cost-bearing resources that cannot carry tags belong to a DigitalOcean Project declared in the
 * same stack, because invoice items carry `project_name` and that is the only way to allocate them.
 *
 * A resource counts as assigned when it sets `projectId` (known or not), when a Project or
 * ProjectResources takes its URN output into `resources` (the engine's property dependencies say
 * so even while the URN is unknown during preview), or when a known `resources` list holds its URN.
 * Reported on each resource in a small stack, as one summary above `summaryThreshold` resources
 * (policies/reporting.ts).
 */
export const doUntaggableRequireProject: StackValidationPolicy = {
  name: "do-untaggable-require-project",
  description: "Cost-bearing DigitalOcean resources that cannot carry tags belong to a Project in the stack, so invoices can allocate them by project_name.",
  enforcementLevel: "advisory",
  configSchema: { properties: { ...SUMMARY_CONFIG_SCHEMA } },
  validateStack: (args, reportViolation) => {
    const config = configOver<SummaryConfig>(SUMMARY_DEFAULTS, args.getConfig<Partial<SummaryConfig>>());
    const assignedPulumiUrns = new Set<string>();
    const assignedDoUrns = new Set<string>();
    for (const project of args.resources.filter((resource) => PROJECT_TYPES.has(resource.type))) {
      for (const dependency of project.propertyDependencies.resources ?? []) assignedPulumiUrns.add(dependency.urn);
      const { resources } = knownInputs(project.props).inputs;
      if (Array.isArray(resources)) for (const urn of resources) if (typeof urn === "string") assignedDoUrns.add(urn);
    }
    const findings: Finding[] = [];
    for (const resource of args.resources) {
      const assignment = PROJECT_ASSIGNABLE.get(resource.type);
      if (!assignment || isAssigned(resource, assignment, assignedPulumiUrns, assignedDoUrns)) continue;
      const label = describeResource(resource.type, resource.name);
      const fixes = [
        ...(assignment.projectIdInput ? [`set projectId: project.id on it`] : []),
        ...(assignment.urnOutput ? [`list it in a Project: new digitalocean.Project("…", { resources: [${resource.name}.${assignment.urnOutput}] })`] : []),
      ];
      findings.push({
        urn: resource.urn,
        label,
        message: `${label} cannot carry tags and is in no DigitalOcean Project of this stack, so its invoice lines fall into the default project and cannot be allocated. Fix: ${fixes.join(", or ")}.`,
      });
    }
    const scale = reportScale(args.resources, config);
    reportEachOrSummary(
      scale,
      findings,
      reportViolation,
      (unassigned) =>
        `${formatCount(unassigned.length)} cost-bearing DigitalOcean resources cannot carry tags and are in no DigitalOcean Project of this stack, so their invoice lines fall into the default project and cannot be allocated: ` +
        `${listFirst(unassigned.map((finding) => finding.label), config.summaryListed)} (${whySummarized(scale)}). ` +
        `Fix: set projectId: project.id on those that take it (apps, load balancers, VPC NAT gateways), or list their URN outputs (appUrn, loadBalancerUrn, bucketUrn, reservedIpUrn, …) in a Project's resources.`,
    );
  },
};

function isAssigned(resource: PolicyResource, assignment: ProjectAssignment, pulumiUrns: Set<string>, doUrns: Set<string>): boolean {
  if (pulumiUrns.has(resource.urn)) return true;
  const { inputs, unknownPaths } = knownInputs(resource.props);
  if (assignment.projectIdInput) {
    // Read first: reading it records whether it is unknown until deploy.
    const projectId = inputs.projectId;
    if ((typeof projectId === "string" && projectId !== "") || unknownPaths.includes("projectId")) return true;
  }
  const urn = assignment.urnOutput ? inputs[assignment.urnOutput] : undefined;
  return typeof urn === "string" && doUrns.has(urn);
}
