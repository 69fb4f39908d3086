import { doStackMonthlyBudget } from "../../policies/do-stack-monthly-budget";
import { compliantDroplet, FixtureResource, runStackPolicy, urnOf } from "../support/policy-fixtures";

const DB = "digitalocean:index/databaseCluster:DatabaseCluster";
const APP = "digitalocean:index/app:App";

// List prices in core/pricing/prices.json: droplet s-1vcpu-2gb $12; Postgres db-s-2vcpu-4gb $60/node;
// App Platform apps-s-1vcpu-1gb $12 per instance.
function forkline(): FixtureResource[] {
  return [
    compliantDroplet("worker-1"),
    compliantDroplet("worker-2"),
    compliantDroplet("worker-3"),
    { type: DB, name: "orders-db", props: { engine: "pg", version: "16", region: "nyc3", size: "db-s-2vcpu-4gb", nodeCount: 2 } },
    { type: APP, name: "storefront", props: { spec: { name: "storefront", region: "nyc", services: [{ name: "web", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2 }] } } },
  ];
}
// 3 × $12 + 2 × $60 + 2 × $12 = $36 + $120 + $24 = $180
const FORKLINE_TOTAL = "$180.00";

test("compliant stack under the default $500 budget: no violations", async () => {
  expect(await runStackPolicy(doStackMonthlyBudget, forkline())).toEqual([]);
});

describe("one mutation, one violation", () => {
  test("budget lowered below the total", async () => {
    const violations = await runStackPolicy(doStackMonthlyBudget, forkline(), { maxMonthlyUsd: 150 });
    expect(violations).toEqual([
      {
        // $180 − $150 = $30 over; the three largest are the database ($120), the app ($24) and a droplet ($12)
        message:
          `estimated ${FORKLINE_TOTAL}/month exceeds the stack budget of $150.00/month by $30.00. ` +
          `Largest: DatabaseCluster "orders-db" $120.00, App "storefront" $24.00, Droplet "worker-1" $12.00. ` +
          "Fix: choose smaller sizes or fewer nodes, or raise maxMonthlyUsd of do-stack-monthly-budget in the policy pack config.",
      },
    ]);
  });

  test("database scaled to 3 nodes of db-s-4vcpu-8gb ($120 each = $360) against a $400 budget", async () => {
    const stack = forkline();
    stack[3] = { ...stack[3], props: { ...stack[3].props, size: "db-s-4vcpu-8gb", nodeCount: 3 } };
    // $36 + $360 + $24 = $420 > $400 by $20
    const [violation, ...rest] = await runStackPolicy(doStackMonthlyBudget, stack, { maxMonthlyUsd: 400 });
    expect(rest).toEqual([]);
    expect(violation.message).toMatch(/^estimated \$420\.00\/month exceeds the stack budget of \$400\.00\/month by \$20\.00\. Largest: DatabaseCluster "orders-db" \$360\.00/);
  });

  test("one resource over the per-resource limit", async () => {
    expect(await runStackPolicy(doStackMonthlyBudget, forkline(), { maxResourceMonthlyUsd: 100 })).toEqual([
      {
        message:
          'DatabaseCluster "orders-db" is estimated at $120.00/month, over the per-resource limit of $100.00/month. ' +
          "Fix: choose a smaller size, or raise maxResourceMonthlyUsd of do-stack-monthly-budget in the policy pack config.",
        urn: urnOf(DB, "orders-db"),
      },
    ]);
  });

  test("a size outside allowedSizeSlugs", async () => {
    const allowedSizeSlugs = ["s-1vcpu-2gb", "apps-s-1vcpu-1gb"];
    expect(await runStackPolicy(doStackMonthlyBudget, forkline(), { allowedSizeSlugs })).toEqual([
      {
        message:
          'DatabaseCluster "orders-db" uses size "db-s-2vcpu-4gb", which is not in allowedSizeSlugs (s-1vcpu-2gb, apps-s-1vcpu-1gb). ' +
          "Fix: pick an allowed size, or add it to allowedSizeSlugs of do-stack-monthly-budget in the policy pack config.",
        urn: urnOf(DB, "orders-db"),
      },
    ]);
  });

  test("over budget with an unpriced resource says it was not counted", async () => {
    const stack = forkline();
    stack[0] = { ...stack[0], props: { ...stack[0].props, size: "s-99vcpu-1tb" } };
    // $180 − $12 (worker-1 no longer priced) = $168 > $150
    const [violation] = await runStackPolicy(doStackMonthlyBudget, stack, { maxMonthlyUsd: 150 });
    expect(violation.message).toMatch(/^estimated \$168\.00\/month exceeds .* Not counted \(no price\): Droplet "worker-1" \(.*s-99vcpu-1tb.*\)\.$/);
  });
});

test("an empty allowedSizeSlugs allows every size", async () => {
  expect(await runStackPolicy(doStackMonthlyBudget, forkline(), { allowedSizeSlugs: [] })).toEqual([]);
});
