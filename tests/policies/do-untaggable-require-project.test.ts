import { doUntaggableRequireProject } from "../../policies/do-untaggable-require-project";
import { FixtureResource, runStackPolicy, UNKNOWN, urnOf } from "../support/policy-fixtures";

const APP = "digitalocean:index/app:App";
const LB = "digitalocean:index/loadBalancer:LoadBalancer";
const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const PROJECT = "digitalocean:index/project:Project";

/** An app with projectId, a load balancer listed in the Project by property dependency, a bucket by known URN. */
function compliantStack(): FixtureResource[] {
  return [
    { type: APP, name: "storefront", props: { projectId: "p-1", spec: { name: "storefront" } } },
    { type: LB, name: "edge", props: { region: "nyc3" } },
    { type: BUCKET, name: "receipts", props: { region: "nyc3", bucketUrn: "do:space:receipts" } },
    { type: PROJECT, name: "forkline", props: { name: "forkline", resources: [UNKNOWN, "do:space:receipts"] }, propertyDependencies: { resources: [urnOf(LB, "edge")] } },
    { type: "digitalocean:index/cdn:Cdn", name: "cdn", props: { origin: "receipts.nyc3.digitaloceanspaces.com" } },
  ];
}

const message = (resource: string, fixes: string) =>
  `${resource} cannot carry tags and is in no DigitalOcean Project of this stack, so its invoice lines fall into the default project and cannot be allocated. Fix: ${fixes}.`;

test("compliant stack: no violations (a CDN cannot join a project, so it is not asked to)", async () => {
  expect(await runStackPolicy(doUntaggableRequireProject, compliantStack())).toEqual([]);
});

test("projectId unknown until deploy still counts as assigned", async () => {
  const stack = compliantStack();
  stack[0] = { ...stack[0], props: { projectId: UNKNOWN, spec: { name: "storefront" } } };
  expect(await runStackPolicy(doUntaggableRequireProject, stack)).toEqual([]);
});

describe("one mutation, one violation", () => {
  test("app without projectId", async () => {
    const stack = compliantStack();
    stack[0] = { ...stack[0], props: { spec: { name: "storefront" } } };
    expect(await runStackPolicy(doUntaggableRequireProject, stack)).toEqual([
      {
        message: message('App "storefront"', 'set projectId: project.id on it, or list it in a Project: new digitalocean.Project("…", { resources: [storefront.appUrn] })'),
        urn: urnOf(APP, "storefront"),
      },
    ]);
  });

  test("load balancer no longer feeds the project's resources", async () => {
    const stack = compliantStack();
    stack[3] = { ...stack[3], propertyDependencies: {} };
    expect(await runStackPolicy(doUntaggableRequireProject, stack)).toEqual([
      {
        message: message('LoadBalancer "edge"', 'set projectId: project.id on it, or list it in a Project: new digitalocean.Project("…", { resources: [edge.loadBalancerUrn] })'),
        urn: urnOf(LB, "edge"),
      },
    ]);
  });

  test("bucket URN not in the project's known resources", async () => {
    const stack = compliantStack();
    stack[3] = { ...stack[3], props: { name: "forkline", resources: [UNKNOWN] } };
    expect(await runStackPolicy(doUntaggableRequireProject, stack)).toEqual([
      {
        message: message('SpacesBucket "receipts"', 'list it in a Project: new digitalocean.Project("…", { resources: [receipts.bucketUrn] })'),
        urn: urnOf(BUCKET, "receipts"),
      },
    ]);
  });
});

describe("one summary above summaryThreshold", () => {
  // The compliant stack with its app and load balancer taken out of the project: 5 DigitalOcean resources.
  const stack = (): FixtureResource[] => {
    const resources = compliantStack();
    resources[0] = { ...resources[0], props: { spec: { name: "storefront" } } };
    resources[3] = { ...resources[3], propertyDependencies: {} };
    return resources;
  };

  test("the count and the first summaryListed names, on no resource", async () => {
    expect(await runStackPolicy(doUntaggableRequireProject, stack(), { summaryThreshold: 4, summaryListed: 1 })).toEqual([
      {
        message:
          "2 cost-bearing DigitalOcean resources cannot carry tags and are in no DigitalOcean Project of this stack, so their invoice lines fall into the default project and cannot be allocated: " +
          'App "storefront" and 1 more (one summary for the stack\'s 5 DigitalOcean resources, more than summaryThreshold 4). ' +
          "Fix: set projectId: project.id on those that take it (apps, load balancers, VPC NAT gateways), or list their URN outputs (appUrn, loadBalancerUrn, bucketUrn, reservedIpUrn, …) in a Project's resources.",
      },
    ]);
  });

  test("at the threshold, one report per resource", async () => {
    const violations = await runStackPolicy(doUntaggableRequireProject, stack(), { summaryThreshold: 5 });
    expect(violations.map((violation) => violation.urn)).toEqual([urnOf(APP, "storefront"), urnOf(LB, "edge")]);
  });
});
