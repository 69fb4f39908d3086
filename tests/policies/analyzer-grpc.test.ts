/**
 * The pack exercised the way `pulumi preview --policy-pack policies --policy-pack-config
 * policy-config.json` runs it: started by run-policy-pack, driven over the analyzer gRPC protocol.
 * One pack process for the whole file, started from the bundle policies/dist/index.js built here.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { buildPolicyPack } from "../../policies/build";
import { AnalyzerResource, PolicyPackConfigError, PolicyPackHost, PolicyViolation, startPolicyPack, UNKNOWN } from "../../scripts/lib/policy-pack-host";

const repoRoot = path.join(__dirname, "../..");
const productionConfig = path.join(repoRoot, "policy-config.json");

const DROPLET = "digitalocean:index/droplet:Droplet";
const DB = "digitalocean:index/databaseCluster:DatabaseCluster";
const APP = "digitalocean:index/app:App";
const LB = "digitalocean:index/loadBalancer:LoadBalancer";
const PROJECT = "digitalocean:index/project:Project";
const urn = (type: string, name: string) => `urn:pulumi:prod::forkline::${type}::${name}`;
const resource = (type: string, name: string, properties: Record<string, unknown>, extra: Partial<AnalyzerResource> = {}): AnalyzerResource => ({
  urn: urn(type, name),
  type,
  name,
  properties,
  ...extra,
});

const worker = (name: string, tags: unknown = ["env:prod", "service:worker", "owner:kitchen"]) =>
  resource(DROPLET, name, { image: "ubuntu-24-04-x64", region: "nyc3", size: "s-1vcpu-2gb", tags });

/** Forkline's production stack, as a preview sees it: URNs of new resources are unknown. */
function forkline(): AnalyzerResource[] {
  return [
    worker("worker-1"),
    worker("worker-2"),
    worker("worker-3"),
    resource(DB, "orders-db", { engine: "pg", version: "16", region: "nyc3", size: "db-s-2vcpu-4gb", nodeCount: 2, tags: ["env:prod", "service:orders-db", "owner:platform"] }),
    resource(APP, "storefront", {
      projectId: UNKNOWN,
      spec: { name: "storefront", region: "nyc", services: [{ name: "web", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2 }] },
    }),
    resource(LB, "edge", { region: "nyc3", sizeUnit: 1, dropletTag: "service:worker" }),
    resource(PROJECT, "forkline", { name: "forkline", environment: "Production", resources: [UNKNOWN] }, { propertyDependencies: { resources: [urn(LB, "edge")] } }),
  ];
}

const mandatory = (violations: PolicyViolation[]) => violations.filter((v) => v.enforcementLevel === "mandatory");

let host: PolicyPackHost;

beforeAll(async () => {
  // The pack's main is the bundle of its sources (not committed): build it from them first.
  await buildPolicyPack();
  host = await startPolicyPack(path.join(repoRoot, "policies"), { config: productionConfig });
}, 120_000);

afterAll(async () => {
  await host?.close();
});

test("the pack describes its six policies and their default enforcement", () => {
  expect(host.info.name).toBe("do-cost-guard");
  expect(Object.fromEntries(host.info.policies.map((policy) => [policy.name, policy.enforcementLevel]))).toEqual({
    "do-resource-require-tags": "mandatory",
    "do-resource-tag-format": "mandatory",
    "do-untaggable-require-project": "advisory",
    "do-resource-estimated-cost": "advisory",
    "do-stack-monthly-budget": "mandatory",
    "do-resource-stack-tag": "advisory",
  });
});

test("the production config overlays the schema defaults", () => {
  expect(host.config["do-stack-monthly-budget"].properties.maxMonthlyUsd).toBe(350);
  expect(host.config["do-resource-require-tags"].properties.requiredKeys).toEqual(["env", "service", "owner"]);
});

describe("with the production config", () => {
  beforeAll(async () => {
    await host.configure(productionConfig);
  });

  test("the compliant Forkline stack passes, with cost reports only", async () => {
    const { violations, blocked } = await host.analyzeAll(forkline());
    expect(blocked).toBe(false);
    // The fixtures predate the stack tag (issue 11), which is advisory: the stack still passes.
    expect(new Set(violations.map((v) => `${v.policy}/${v.enforcementLevel}`))).toEqual(new Set(["do-resource-estimated-cost/advisory", "do-resource-stack-tag/advisory"]));
    // prices.json: 3 × $12 workers + 2 × $60 database nodes + 2 × $12 app instances + 1 × $12 load balancer node
    // = $36 + $120 + $24 + $12 = $192
    const total = violations.find((v) => v.urn === undefined);
    expect(total?.message).toMatch(/estimated stack total \$192\.00\/month across 6 priced DigitalOcean resources$/);
  });

  test("an untagged droplet is blocked by do-resource-require-tags", async () => {
    const stack = [...forkline(), worker("untagged", [])];
    const { violations, blocked } = await host.analyzeAll(stack);
    expect(blocked).toBe(true);
    expect(mandatory(violations)).toEqual([
      {
        policy: "do-resource-require-tags",
        enforcementLevel: "mandatory",
        urn: urn(DROPLET, "untagged"),
        message: expect.stringContaining('Droplet "untagged" is missing required tag keys env, service, owner. Fix: tags: ["env:<prod>","service:<'),
      },
    ]);
  });

  test("an env outside the production allow-list is blocked", async () => {
    const [violation] = await host.analyze(worker("staging-worker", ["env:staging", "service:worker", "owner:kitchen"]));
    expect(violation).toMatchObject({ policy: "do-resource-require-tags", enforcementLevel: "mandatory" });
    expect(violation.message).toContain('has tag "env:staging" but env must be one of prod');
  });

  test("a malformed tag is blocked by do-resource-tag-format", async () => {
    const violations = await host.analyze(worker("spaced", ["env:prod", "service:worker", "owner:kitchen", "team:kitchen ops"]));
    expect(mandatory(violations)).toEqual([expect.objectContaining({ policy: "do-resource-tag-format", message: expect.stringContaining('"team:kitchen ops" contains " "') })]);
  });

  test("an app outside any project is reported (advisory) by do-untaggable-require-project", async () => {
    const stack = forkline().map((r) => (r.name === "storefront" ? { ...r, properties: { spec: r.properties.spec } } : r));
    const { violations, blocked } = await host.analyzeAll(stack);
    expect(blocked).toBe(false);
    expect(violations.filter((v) => v.policy === "do-untaggable-require-project")).toEqual([
      expect.objectContaining({ enforcementLevel: "advisory", urn: urn(APP, "storefront"), message: expect.stringContaining('App "storefront" cannot carry tags') }),
    ]);
  });

  test("a database over the per-resource limit and outside the allowed sizes is blocked", async () => {
    const stack = forkline().map((r) => (r.name === "orders-db" ? { ...r, properties: { ...r.properties, size: "db-s-6vcpu-16gb" } } : r));
    const { violations, blocked } = await host.analyzeAll(stack);
    expect(blocked).toBe(true);
    expect(mandatory(violations).map((v) => [v.policy, v.urn])).toEqual([
      ["do-stack-monthly-budget", undefined], // 2 × $240 alone is over the $350 budget
      ["do-stack-monthly-budget", urn(DB, "orders-db")], // over maxResourceMonthlyUsd $150
      ["do-stack-monthly-budget", urn(DB, "orders-db")], // db-s-6vcpu-16gb is not in allowedSizeSlugs
    ]);
  });
});

describe("a stack above summaryThreshold (default 200 DigitalOcean resources) gets one summary per advisory policy", () => {
  const STACK_TAG = "stack:forkline-prod";
  const BASE_TAGS = ["env:prod", "service:worker", "owner:kitchen"];
  const app = (name: string) => resource(APP, name, { spec: { name, region: "nyc", services: [{ name: "web", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2 }] } });
  /** Worker i: every 10th (9, 19, …) untagged, every 4th of the others without the stack tag; the first ten s-2vcpu-4gb. */
  const tagsOf = (i: number): string[] => (i % 10 === 9 ? [] : [...BASE_TAGS, ...(i % 4 === 0 ? [] : [STACK_TAG])]);
  /** A database, two apps in no project and `workers` droplets: 3 + workers DigitalOcean resources. */
  function largeStack(workers: number): AnalyzerResource[] {
    return [
      resource(DB, "orders-db", { engine: "pg", version: "16", region: "nyc3", size: "db-s-2vcpu-4gb", nodeCount: 2, tags: ["env:prod", "service:orders-db", "owner:platform", STACK_TAG] }),
      app("storefront"),
      app("checkout"),
      ...Array.from({ length: workers }, (_, i) => resource(DROPLET, `worker-${i}`, { image: "ubuntu-24-04-x64", region: "nyc3", size: i < 10 ? "s-2vcpu-4gb" : "s-1vcpu-2gb", tags: tagsOf(i) })),
    ];
  }
  const advisory = (violations: PolicyViolation[]) => violations.filter((v) => v.enforcementLevel === "advisory");

  beforeAll(async () => {
    await host.configure(productionConfig);
  });

  test("201 resources: the cost total with the 25 most expensive, the stack tag and project counts with the first 25 names; every mandatory violation on its resource", async () => {
    const stack = largeStack(198);
    const { violations, blocked } = await host.analyzeAll(stack);
    expect(advisory(violations).map((v) => [v.policy, v.urn])).toEqual([
      ["do-untaggable-require-project", undefined],
      ["do-resource-estimated-cost", undefined],
      ["do-resource-stack-tag", undefined],
    ]);
    const [project, cost, stackTag] = advisory(violations).map((v) => v.message.slice(v.message.indexOf("\n") + 1));

    // prices.json: database 2 × $60 = $120; each app 2 × $12 = $24; workers 0–9 s-2vcpu-4gb $24, 10–197 s-1vcpu-2gb $12.
    // Total $120 + 2 × $24 + 10 × $24 + 188 × $12 = $120 + $48 + $240 + $2,256 = $2,664 across 201 priced resources.
    // Top 25 (ties keep the stack's order): the database, the 12 at $24 (two apps, workers 0–9), workers 10–21 at $12;
    // the other 176 workers at $12 = $2,112.
    const top = ['DatabaseCluster "orders-db" $120.00', 'App "storefront" $24.00', 'App "checkout" $24.00'];
    for (let i = 0; i < 10; i++) top.push(`Droplet "worker-${i}" $24.00`);
    for (let i = 10; i < 22; i++) top.push(`Droplet "worker-${i}" $12.00`);
    expect(cost.split("\n")).toEqual([
      "estimated stack total $2,664.00/month across 201 priced DigitalOcean resources (one summary for the stack's 201 DigitalOcean resources, more than summaryThreshold 200)",
      "most expensive 25:",
      ...top.map((line) => `  ${line}`),
      "the other 176 priced resources: $2,112.00/month",
    ]);

    const withoutStackTag = stack.filter((r) => Array.isArray(r.properties.tags) && !(r.properties.tags as string[]).includes(STACK_TAG)).map((r) => `${r.type === DB ? "DatabaseCluster" : "Droplet"} "${r.name}"`);
    expect(withoutStackTag).toHaveLength(69); // 19 untagged workers + the 50 tagged ones with i % 4 === 0
    expect(stackTag).toBe(
      `69 taggable DigitalOcean resources lack the stack tag "${STACK_TAG}", so their invoice items cannot be set against this stack's estimate (npm run tracker -- reconcile): ` +
        `${withoutStackTag.slice(0, 25).join(", ")} and 44 more (one summary for the stack's 201 DigitalOcean resources, more than summaryThreshold 200). Fix: add "${STACK_TAG}" to their tags.`,
    );
    expect(project).toMatch(/^2 cost-bearing DigitalOcean resources cannot carry tags and are in no DigitalOcean Project of this stack, .*: App "storefront", App "checkout" \(one summary for the stack's 201 /);

    // Mandatory violations stay per resource: each untagged worker, and the budget ($2,664 > $350).
    expect(blocked).toBe(true);
    const untagged = stack.filter((r) => Array.isArray(r.properties.tags) && (r.properties.tags as string[]).length === 0).map((r) => r.urn);
    expect(untagged).toHaveLength(19);
    expect(mandatory(violations).map((v) => [v.policy, v.urn])).toEqual([...untagged.map((urn) => ["do-resource-require-tags", urn]), ["do-stack-monthly-budget", undefined]]);
  });

  test("200 resources (the threshold itself): one report per resource, on the resource", async () => {
    const stack = largeStack(197);
    const { violations } = await host.analyzeAll(stack);
    const onResources = (policy: string) => advisory(violations).filter((v) => v.policy === policy && v.urn !== undefined).length;
    expect(onResources("do-resource-estimated-cost")).toBe(200);
    expect(onResources("do-resource-stack-tag")).toBe(69);
    expect(onResources("do-untaggable-require-project")).toBe(2);
    // And the stack total, which belongs to no resource.
    expect(advisory(violations).filter((v) => v.urn === undefined).map((v) => v.policy)).toEqual(["do-resource-estimated-cost"]);
  });

  test("the threshold and the number named come from each policy's pack config", async () => {
    const production = JSON.parse(readFileSync(productionConfig, "utf8")) as Record<string, unknown>;
    await host.configure({ ...production, "do-resource-estimated-cost": { enforcementLevel: "advisory", summaryThreshold: 5, summaryListed: 2 } });
    // Forkline has 7 DigitalOcean resources: above 5 for the cost estimate, below the stack tag's default 200.
    const { violations } = await host.analyzeAll(forkline());
    const cost = violations.filter((v) => v.policy === "do-resource-estimated-cost");
    expect(cost).toHaveLength(1);
    // $192 (see above) = orders-db $120 + storefront $24 + the other four at $12.
    expect(cost[0].message).toContain(
      [
        "estimated stack total $192.00/month across 6 priced DigitalOcean resources (one summary for the stack's 7 DigitalOcean resources, more than summaryThreshold 5)",
        "most expensive 2:",
        '  DatabaseCluster "orders-db" $120.00',
        '  App "storefront" $24.00',
        "the other 4 priced resources: $48.00/month",
      ].join("\n"),
    );
    expect(violations.filter((v) => v.policy === "do-resource-stack-tag").every((v) => v.urn !== undefined)).toBe(true);
  });
});

test("an over-budget stack is blocked by do-stack-monthly-budget", async () => {
  await host.configure({ "do-stack-monthly-budget": { maxMonthlyUsd: 100 } });
  const { violations, blocked } = await host.analyzeAll(forkline());
  expect(blocked).toBe(true);
  // $192 (the compliant total above) − $100 = $92 over
  expect(mandatory(violations)).toEqual([
    expect.objectContaining({ policy: "do-stack-monthly-budget", message: expect.stringMatching(/\nestimated \$192\.00\/month exceeds the stack budget of \$100\.00\/month by \$92\.00\. Largest: DatabaseCluster "orders-db" \$120\.00/) }),
  ]);
});

test("enforcement levels come from the config: advisory tags do not block", async () => {
  await host.configure({ "do-resource-require-tags": "advisory" });
  const { violations, blocked } = await host.analyzeAll([...forkline(), worker("untagged", [])]);
  expect(blocked).toBe(false);
  expect(violations).toContainEqual(expect.objectContaining({ policy: "do-resource-require-tags", enforcementLevel: "advisory", urn: urn(DROPLET, "untagged") }));
});

test("`all: disabled` silences every policy", async () => {
  await host.configure({ all: "disabled" });
  expect(await host.analyzeAll([...forkline(), worker("untagged", [])])).toEqual({ violations: [], blocked: false });
});

describe("configure refuses a bad config and names what is wrong", () => {
  test.each([
    [{ "do-stack-monthly-budget": { maxMonthlyUSD: 100 } }, "do-stack-monthly-budget.maxMonthlyUSD is not a setting of this policy"],
    [{ "do-stack-budget": { maxMonthlyUsd: 100 } }, "do-stack-budget is not a policy in pack do-cost-guard"],
    [{ "do-stack-monthly-budget": { maxMonthlyUsd: "lots" } }, 'do-stack-monthly-budget.maxMonthlyUsd must be number (got "lots")'],
    [{ "do-resource-require-tags": "strict" }, 'do-resource-require-tags must be one of advisory, mandatory, remediate, disabled (got "strict")'],
    [{ "do-resource-require-tags": { requiredKeys: ["env:prod"] } }, 'do-resource-require-tags.requiredKeys.0 must match pattern'],
  ])("%j", async (config, problem) => {
    const before = host.config;
    const failure = await host.configure(config).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PolicyPackConfigError);
    expect((failure as PolicyPackConfigError).problems).toEqual([expect.stringContaining(problem)]);
    expect(host.config).toBe(before);
  });
});

// Last: it stops the pack the other tests share.
test("close stops the pack process", async () => {
  const pid = host.pid as number;
  expect(() => process.kill(pid, 0)).not.toThrow();
  await host.close();
  expect(() => process.kill(pid, 0)).toThrow();
});
