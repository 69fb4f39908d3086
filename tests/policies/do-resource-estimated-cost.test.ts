import { doResourceEstimatedCost } from "../../policies/do-resource-estimated-cost";
import { compliantDroplet, FixtureResource, runStackPolicy, UNKNOWN, urnOf } from "../support/policy-fixtures";

const DROPLET = "digitalocean:index/droplet:Droplet";
const DB = "digitalocean:index/databaseCluster:DatabaseCluster";

// List prices in core/pricing/prices.json (DigitalOcean pricing pages, as of the catalog's asOf):
// droplet s-1vcpu-2gb $12/month, s-2vcpu-4gb $24; Postgres db-s-2vcpu-4gb $60 per node.
const database: FixtureResource = { type: DB, name: "orders-db", props: { engine: "pg", version: "16", region: "nyc3", size: "db-s-2vcpu-4gb", nodeCount: 2 } };
const sized = (name: string, size: unknown): FixtureResource => ({ ...compliantDroplet(name), props: { ...compliantDroplet(name).props, size } });

/** The reports on one resource (the stack total, which names none, left out). */
async function reportsOn(resource: FixtureResource) {
  return (await runStackPolicy(doResourceEstimatedCost, [resource])).filter((violation) => violation.urn !== undefined);
}

test("free resources are not reported, nor counted", async () => {
  expect(await runStackPolicy(doResourceEstimatedCost, [{ type: "digitalocean:index/vpc:Vpc", name: "vpc", props: { region: "nyc3" } }])).toEqual([
    { message: "estimated stack total $0.00/month across 0 priced DigitalOcean resources" },
  ]);
});

describe("per resource, on the resource, in a stack of up to summaryThreshold (200) resources", () => {
  test("a priced droplet reports its monthly cost and components", async () => {
    const [violation, ...rest] = await reportsOn(compliantDroplet());
    expect(rest).toEqual([]);
    expect(violation.urn).toBe(urnOf(DROPLET, "worker-1"));
    expect(violation.message).toMatch(/^estimated \$12\.00\/month: Droplet "worker-1": Droplet s-1vcpu-2gb \$12\.00/);
  });

  test("a database prices every node: 2 × $60 = $120", async () => {
    const [violation] = await reportsOn(database);
    expect(violation.message).toMatch(/^estimated \$120\.00\/month: DatabaseCluster "orders-db": /);
  });

  test("an unknown size slug is reported as unknown, never $0", async () => {
    const [violation] = await reportsOn(sized("worker-1", "s-99vcpu-1tb"));
    expect(violation.message).toMatch(/^estimated cost unknown: Droplet "worker-1" \(.*s-99vcpu-1tb/);
  });

  test("a size unknown until deploy is named as an unknown input", async () => {
    const [violation] = await reportsOn(sized("worker-1", UNKNOWN));
    expect(violation.message).toMatch(/^estimated cost unknown: Droplet "worker-1" \(.*inputs unknown until deploy: size\)/);
  });

  test("only the unknown inputs the price depends on are named (an unknown image changes no price)", async () => {
    const droplet = sized("worker-1", UNKNOWN);
    const [violation] = await reportsOn({ ...droplet, props: { ...droplet.props, image: UNKNOWN } });
    expect(violation.message).toMatch(/inputs unknown until deploy: size\)/);
  });
});

describe("stack total", () => {
  test("sums the priced resources: $12 + $12 + $120 = $144", async () => {
    const stack = [compliantDroplet("worker-1"), compliantDroplet("worker-2"), database];
    const violations = await runStackPolicy(doResourceEstimatedCost, stack);
    expect(violations.map((violation) => violation.urn)).toEqual([urnOf(DROPLET, "worker-1"), urnOf(DROPLET, "worker-2"), urnOf(DB, "orders-db"), undefined]);
    expect(violations[3]).toEqual({ message: "estimated stack total $144.00/month across 3 priced DigitalOcean resources" });
  });

  test("names the resources left out of the total", async () => {
    const stack = [compliantDroplet("worker-1"), sized("mystery", "s-99vcpu-1tb")];
    const total = (await runStackPolicy(doResourceEstimatedCost, stack)).find((violation) => violation.urn === undefined);
    expect(total?.message).toMatch(/^estimated stack total \$12\.00\/month across 1 priced DigitalOcean resources; 1 not priced: Droplet "mystery" \(.*s-99vcpu-1tb/);
  });

  test("providers and non-DigitalOcean resources are neither priced nor listed as unpriced", async () => {
    const stack = [compliantDroplet(), { type: "pulumi:providers:digitalocean", name: "default", props: {} }, { type: "pulumi:pulumi:Stack", name: "forkline-prod", props: {} }];
    const violations = await runStackPolicy(doResourceEstimatedCost, stack);
    expect(violations.filter((violation) => violation.urn === undefined)).toEqual([{ message: "estimated stack total $12.00/month across 1 priced DigitalOcean resources" }]);
  });
});

describe("one summary above summaryThreshold", () => {
  // 4 droplets at $12, 2 at $24, a $120 database and one unpriceable droplet: 8 DigitalOcean resources.
  const stack = (): FixtureResource[] => [
    compliantDroplet("small-1"),
    sized("big-1", "s-2vcpu-4gb"),
    compliantDroplet("small-2"),
    database,
    compliantDroplet("small-3"),
    sized("big-2", "s-2vcpu-4gb"),
    sized("mystery", "s-99vcpu-1tb"),
    compliantDroplet("small-4"),
  ];

  test("the total, the most expensive summaryListed, one line for the rest, and nothing on the resources", async () => {
    const violations = await runStackPolicy(doResourceEstimatedCost, stack(), { summaryThreshold: 7, summaryListed: 3 });
    expect(violations).toHaveLength(1);
    expect(violations[0].urn).toBeUndefined();
    const lines = violations[0].message.split("\n");
    // $12 × 4 + $24 × 2 + $120 = $216 across 7 priced; the top 3 are $120, $24, $24 (ties in stack order).
    expect(lines.slice(0, 5)).toEqual([
      "estimated stack total $216.00/month across 7 priced DigitalOcean resources (one summary for the stack's 8 DigitalOcean resources, more than summaryThreshold 7)",
      "most expensive 3:",
      '  DatabaseCluster "orders-db" $120.00',
      '  Droplet "big-1" $24.00',
      '  Droplet "big-2" $24.00',
    ]);
    // The other four: $12 × 4 = $48.
    expect(lines[5]).toBe("the other 4 priced resources: $48.00/month");
    expect(lines[6]).toMatch(/^1 not priced, left out of the total: Droplet "mystery" \(.*s-99vcpu-1tb/);
    expect(lines).toHaveLength(7);
  });

  test("at the threshold itself, reports stay per resource", async () => {
    const violations = await runStackPolicy(doResourceEstimatedCost, stack(), { summaryThreshold: 8, summaryListed: 3 });
    expect(violations.filter((violation) => violation.urn !== undefined)).toHaveLength(8);
  });

  test("the threshold counts DigitalOcean resources only", async () => {
    const withProvider = [...stack(), { type: "pulumi:providers:digitalocean", name: "default", props: {} }];
    expect(await runStackPolicy(doResourceEstimatedCost, withProvider, { summaryThreshold: 8 })).toHaveLength(9);
  });
});
