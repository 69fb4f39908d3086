import { doResourceEstimatedCost } from "../../policies/do-resource-estimated-cost";
import { compliantDroplet, FixtureResource, runResourcePolicy, runStackPolicy, UNKNOWN } from "../support/policy-fixtures";

const DB = "digitalocean:index/databaseCluster:DatabaseCluster";

// List prices in core/pricing/prices.json (DigitalOcean pricing pages, as of the catalog's asOf):
// droplet s-1vcpu-2gb $12/month; Postgres db-s-2vcpu-4gb $60 per node.
const database: FixtureResource = { type: DB, name: "orders-db", props: { engine: "pg", version: "16", region: "nyc3", size: "db-s-2vcpu-4gb", nodeCount: 2 } };

test("free resources are not reported", async () => {
  expect(await runResourcePolicy(doResourceEstimatedCost, { type: "digitalocean:index/vpc:Vpc", name: "vpc", props: { region: "nyc3" } })).toEqual([]);
});

describe("per resource", () => {
  test("a priced droplet reports its monthly cost and components", async () => {
    const [violation, ...rest] = await runResourcePolicy(doResourceEstimatedCost, compliantDroplet());
    expect(rest).toEqual([]);
    expect(violation.message).toMatch(/^estimated \$12\.00\/month: Droplet "worker-1": Droplet s-1vcpu-2gb \$12\.00/);
  });

  test("a database prices every node: 2 × $60 = $120", async () => {
    const [violation] = await runResourcePolicy(doResourceEstimatedCost, database);
    expect(violation.message).toMatch(/^estimated \$120\.00\/month: DatabaseCluster "orders-db": /);
  });

  test("an unknown size slug is reported as unknown, never $0", async () => {
    const droplet = compliantDroplet();
    const [violation] = await runResourcePolicy(doResourceEstimatedCost, { ...droplet, props: { ...droplet.props, size: "s-99vcpu-1tb" } });
    expect(violation.message).toMatch(/^estimated cost unknown: Droplet "worker-1" \(.*s-99vcpu-1tb/);
  });

  test("a size unknown until deploy is named as an unknown input", async () => {
    const droplet = compliantDroplet();
    const [violation] = await runResourcePolicy(doResourceEstimatedCost, { ...droplet, props: { ...droplet.props, size: UNKNOWN } });
    expect(violation.message).toMatch(/^estimated cost unknown: Droplet "worker-1" \(.*inputs unknown until deploy: size\)/);
  });
});

describe("stack total", () => {
  test("sums the priced resources: $12 + $12 + $120 = $144", async () => {
    const stack = [compliantDroplet("worker-1"), compliantDroplet("worker-2"), database];
    expect(await runStackPolicy(doResourceEstimatedCost, stack)).toEqual([{ message: "estimated stack total $144.00/month across 3 priced DigitalOcean resources" }]);
  });

  test("names the resources left out of the total", async () => {
    const droplet = compliantDroplet("mystery");
    const stack = [compliantDroplet("worker-1"), { ...droplet, props: { ...droplet.props, size: "s-99vcpu-1tb" } }];
    const [violation] = await runStackPolicy(doResourceEstimatedCost, stack);
    expect(violation.message).toMatch(/^estimated stack total \$12\.00\/month across 1 priced DigitalOcean resources; 1 not priced: Droplet "mystery" \(.*s-99vcpu-1tb/);
  });

  test("providers and non-DigitalOcean resources are neither priced nor listed as unpriced", async () => {
    const stack = [compliantDroplet(), { type: "pulumi:providers:digitalocean", name: "default", props: {} }, { type: "pulumi:pulumi:Stack", name: "forkline-prod", props: {} }];
    expect(await runStackPolicy(doResourceEstimatedCost, stack)).toEqual([{ message: "estimated stack total $12.00/month across 1 priced DigitalOcean resources" }]);
  });
});
