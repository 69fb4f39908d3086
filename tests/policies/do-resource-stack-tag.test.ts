import { doResourceStackTag } from "../../policies/do-resource-stack-tag";
import { compliantDroplet, runResourcePolicy, UNKNOWN } from "../support/policy-fixtures";

// Fixtures are in stack `prod` of project `forkline` (tests/support/policy-fixtures urnOf).
const TAG = "stack:forkline-prod";
const BASE = ["env:prod", "service:worker", "owner:kitchen"];

test("compliant droplet (it carries the stack tag): no violations", async () => {
  expect(await runResourcePolicy(doResourceStackTag, compliantDroplet("worker-1", [...BASE, TAG]))).toEqual([]);
});

describe("one mutation, one violation", () => {
  test("the stack tag is missing: the fix keeps the other tags and adds it", async () => {
    expect(await runResourcePolicy(doResourceStackTag, compliantDroplet("worker-1", BASE))).toEqual([
      {
        message: `Droplet "worker-1" lacks the stack tag "${TAG}", so its invoice items cannot be set against this stack's estimate (npm run tracker -- reconcile). Fix: tags: ${JSON.stringify([...BASE, TAG])}`,
      },
    ]);
  });

  test("another stack's tag: replaced in the fix", async () => {
    const [violation] = await runResourcePolicy(doResourceStackTag, compliantDroplet("worker-1", [...BASE, "stack:forkline-staging"]));
    expect(violation?.message).toContain(`carries "stack:forkline-staging" but belongs to stack "${TAG}"`);
    expect(violation?.message).toContain(`Fix: tags: ${JSON.stringify([...BASE, TAG])}`);
  });

  test.each([
    ["volume", "digitalocean:index/volume:Volume"],
    ["database cluster", "digitalocean:index/databaseCluster:DatabaseCluster"],
  ])("a %s is checked like a droplet", async (_kind, type) => {
    expect(await runResourcePolicy(doResourceStackTag, { type, name: "r", props: { tags: BASE } })).toHaveLength(1);
  });
});

describe("not reported", () => {
  test("untaggable types (apps, load balancers) are do-untaggable-require-project's business", async () => {
    expect(await runResourcePolicy(doResourceStackTag, { type: "digitalocean:index/app:App", name: "web", props: { spec: { name: "web" } } })).toEqual([]);
    expect(await runResourcePolicy(doResourceStackTag, { type: "digitalocean:index/loadBalancer:LoadBalancer", name: "lb", props: { region: "nyc3" } })).toEqual([]);
  });

  test("tags unknown at preview may hold the tag", async () => {
    expect(await runResourcePolicy(doResourceStackTag, compliantDroplet("worker-1", [UNKNOWN, ...BASE]))).toEqual([]);
  });

  test("a malformed tags input is left to do-resource-tag-format", async () => {
    expect(await runResourcePolicy(doResourceStackTag, { ...compliantDroplet(), props: { ...compliantDroplet().props, tags: 42 } })).toEqual([]);
  });
});
