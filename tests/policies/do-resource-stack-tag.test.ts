import { doResourceStackTag } from "../../policies/do-resource-stack-tag";
import { compliantDroplet, FixtureResource, ReportedViolation, runStackPolicy, UNKNOWN, urnOf } from "../support/policy-fixtures";

// Fixtures are in stack `prod` of project `forkline` (tests/support/policy-fixtures urnOf).
const TAG = "stack:forkline-prod";
const BASE = ["env:prod", "service:worker", "owner:kitchen"];

/** The policy on a stack of this one resource. */
const runOn = (resource: FixtureResource, config: object = {}): Promise<ReportedViolation[]> => runStackPolicy(doResourceStackTag, [resource], config);

test("compliant droplet (it carries the stack tag): no violations", async () => {
  expect(await runOn(compliantDroplet("worker-1", [...BASE, TAG]))).toEqual([]);
});

describe("one mutation, one violation", () => {
  test("the stack tag is missing: the fix keeps the other tags and adds it", async () => {
    expect(await runOn(compliantDroplet("worker-1", BASE))).toEqual([
      {
        message: `Droplet "worker-1" lacks the stack tag "${TAG}", so its invoice items cannot be set against this stack's estimate (npm run tracker -- reconcile). Fix: tags: ${JSON.stringify([...BASE, TAG])}`,
        urn: urnOf("digitalocean:index/droplet:Droplet", "worker-1"),
      },
    ]);
  });

  test("another stack's tag: replaced in the fix", async () => {
    const [violation] = await runOn(compliantDroplet("worker-1", [...BASE, "stack:forkline-staging"]));
    expect(violation?.message).toContain(`carries "stack:forkline-staging" but belongs to stack "${TAG}"`);
    expect(violation?.message).toContain(`Fix: tags: ${JSON.stringify([...BASE, TAG])}`);
  });

  test.each([
    ["volume", "digitalocean:index/volume:Volume"],
    ["database cluster", "digitalocean:index/databaseCluster:DatabaseCluster"],
  ])("a %s is checked like a droplet", async (_kind, type) => {
    expect(await runOn({ type, name: "r", props: { tags: BASE } })).toHaveLength(1);
  });
});

describe("not reported", () => {
  test("untaggable types (apps, load balancers) are do-untaggable-require-project's business", async () => {
    expect(await runOn({ type: "digitalocean:index/app:App", name: "web", props: { spec: { name: "web" } } })).toEqual([]);
    expect(await runOn({ type: "digitalocean:index/loadBalancer:LoadBalancer", name: "lb", props: { region: "nyc3" } })).toEqual([]);
  });

  test("tags unknown at preview may hold the tag", async () => {
    expect(await runOn(compliantDroplet("worker-1", [UNKNOWN, ...BASE]))).toEqual([]);
  });

  test("a malformed tags input is left to do-resource-tag-format", async () => {
    expect(await runOn({ ...compliantDroplet(), props: { ...compliantDroplet().props, tags: 42 } })).toEqual([]);
  });
});

describe("one summary above summaryThreshold", () => {
  // Five droplets: two without the stack tag, one with another stack's, two with it.
  const stack = (): FixtureResource[] => [
    compliantDroplet("a", BASE),
    compliantDroplet("b", [...BASE, TAG]),
    compliantDroplet("c", [...BASE, "stack:forkline-staging"]),
    compliantDroplet("d", [...BASE, TAG]),
    compliantDroplet("e", []),
  ];

  test("the count and the first summaryListed names, on no resource", async () => {
    expect(await runStackPolicy(doResourceStackTag, stack(), { summaryThreshold: 4, summaryListed: 2 })).toEqual([
      {
        message:
          `3 taggable DigitalOcean resources lack the stack tag "${TAG}" (1 of them carries another stack's tag instead), so their invoice items cannot be set against this stack's estimate ` +
          `(npm run tracker -- reconcile): Droplet "a", Droplet "c" and 1 more (one summary for the stack's 5 DigitalOcean resources, more than summaryThreshold 4). Fix: add "${TAG}" to their tags.`,
      },
    ]);
  });

  test("at the threshold, one report per resource", async () => {
    const violations = await runStackPolicy(doResourceStackTag, stack(), { summaryThreshold: 5, summaryListed: 2 });
    expect(violations.map((violation) => violation.urn)).toEqual(["a", "c", "e"].map((name) => urnOf("digitalocean:index/droplet:Droplet", name)));
  });

  test("nothing to report, no summary", async () => {
    expect(await runStackPolicy(doResourceStackTag, [compliantDroplet("b", [...BASE, TAG]), compliantDroplet("d", [...BASE, TAG])], { summaryThreshold: 1 })).toEqual([]);
  });
});
