/**
 * The pack exercised the way `pulumi preview --policy-pack policies --policy-pack-config
 * policy-config.json` runs it: started by run-policy-pack, driven over the analyzer gRPC protocol.
 * One pack process for the whole file, started from the bundle policies/dist/index.js built here.
 */
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
