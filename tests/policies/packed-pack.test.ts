/**
 * The pack as `pulumi policy publish` ships it: `npm pack` of policies/, unpacked into an empty
 * directory outside the repository, `npm install` there (as Pulumi Cloud installs a published
 * pack), started by that directory's own run-policy-pack and driven over the analyzer gRPC
 * protocol. It must report the same violations and costs as the pack run from policies/.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildPolicyPack } from "../../policies/build";
import { AnalyzerResource, PolicyPackHost, PolicyViolation, startPolicyPack, UNKNOWN } from "../../scripts/lib/policy-pack-host";

const repoRoot = path.join(__dirname, "../..");
const packDir = path.join(repoRoot, "policies");
const productionConfig = path.join(repoRoot, "policy-config.json");

const DROPLET = "digitalocean:index/droplet:Droplet";
const DB = "digitalocean:index/databaseCluster:DatabaseCluster";
const LB = "digitalocean:index/loadBalancer:LoadBalancer";
const urn = (type: string, name: string) => `urn:pulumi:prod::forkline::${type}::${name}`;
const resource = (type: string, name: string, properties: Record<string, unknown>): AnalyzerResource => ({ urn: urn(type, name), type, name, properties });

/** A stack that trips every policy: untagged, malformed tags, unassigned LB, over the stack and per-resource budgets. */
function mixedStack(): AnalyzerResource[] {
  return [
    resource(DROPLET, "web-1", { image: "ubuntu-24-04-x64", region: "nyc3", size: "s-2vcpu-4gb", tags: ["env:prod", "service:web", "owner:platform"] }),
    resource(DROPLET, "scraper-1", { image: "ubuntu-24-04-x64", region: "nyc3", size: "c-32", tags: ["Bad Tag!"] }),
    resource(DROPLET, "unknown-size", { image: "ubuntu-24-04-x64", region: "nyc3", size: UNKNOWN, tags: ["env:prod", "service:web", "owner:platform"] }),
    resource(DB, "analytics-db", { engine: "pg", version: "16", region: "nyc3", size: "db-s-8vcpu-32gb", nodeCount: 3, tags: ["env:prod", "service:analytics", "owner:data"] }),
    resource(LB, "public-lb", { region: "nyc3", sizeUnit: 2 }),
  ];
}

const sorted = (violations: PolicyViolation[]) =>
  [...violations].sort((a, b) => `${a.policy} ${a.urn ?? ""} ${a.message}`.localeCompare(`${b.policy} ${b.urn ?? ""} ${b.message}`));

/** Runs `command` in `cwd` and returns its stdout, failing the test with its stderr on a non-zero exit. */
function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 600_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} in ${cwd} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-packed-pack-"));
let installedDir: string;
let packed: PolicyPackHost;
let fromRepo: PolicyPackHost;

beforeAll(async () => {
  await buildPolicyPack();
  // --json keeps the tarball's name on stdout; the prepack build writes to stderr.
  const [tarball] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", temporary], packDir)) as { filename: string; files: { path: string }[] }[];
  expect(tarball.files.map((file) => file.path).sort()).toEqual(["PulumiPolicy.yaml", "README.md", "dist/index.js", "package.json"]);
  run("tar", ["-xzf", path.join(temporary, tarball.filename), "-C", temporary], temporary);
  installedDir = path.join(temporary, "package");
  // From the local npm cache where it can; the registry only for what the cache lacks.
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], installedDir);
  [packed, fromRepo] = await Promise.all([
    startPolicyPack(installedDir, { config: productionConfig, startTimeoutMs: 120_000 }),
    startPolicyPack(packDir, { config: productionConfig, startTimeoutMs: 120_000 }),
  ]);
}, 900_000);

afterAll(async () => {
  await Promise.all([packed?.close(), fromRepo?.close()]);
  fs.rmSync(temporary, { recursive: true, force: true });
});

test("the installed pack lives outside the repository and loads nothing from it", () => {
  expect(path.relative(repoRoot, installedDir).startsWith("..")).toBe(true);
  const bundle = fs.readFileSync(path.join(installedDir, "dist/index.js"), "utf8");
  // Only the SDKs are required at run time; core/ and the catalog are inside the bundle.
  const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
  expect([...new Set(required)].sort()).toEqual(["@pulumi/policy"]);
  expect(require.resolve("@pulumi/policy", { paths: [installedDir] }).startsWith(installedDir)).toBe(true);
  expect(require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [installedDir] }).startsWith(installedDir)).toBe(true);
});

test("it describes the same policies with the same defaults", () => {
  expect(packed.info).toEqual(fromRepo.info);
  expect(packed.config).toEqual(fromRepo.config);
});

test("it reports the same violations and the same costs as the pack run from the repository", async () => {
  const [fromPacked, fromSources] = await Promise.all([packed.analyzeAll(mixedStack()), fromRepo.analyzeAll(mixedStack())]);
  expect(sorted(fromPacked.violations)).toEqual(sorted(fromSources.violations));
  expect(fromPacked.blocked).toBe(true);
  const policies = new Set(fromPacked.violations.map((v) => v.policy));
  expect([...policies].sort()).toEqual(["do-resource-estimated-cost", "do-resource-require-tags", "do-resource-stack-tag", "do-resource-tag-format", "do-stack-monthly-budget", "do-untaggable-require-project"]);
  // The costs come from the bundled catalog: a priced Droplet and the stack total are in the messages.
  const costs = fromPacked.violations.filter((v) => v.policy === "do-resource-estimated-cost").map((v) => v.message);
  expect(costs.some((message) => /estimated \$\d+\.\d\d\/month: Droplet "web-1": Droplet s-2vcpu-4gb \$\d+\.\d\d/.test(message))).toBe(true);
  expect(costs.some((message) => /estimated stack total \$[\d,]+\.\d\d\/month/.test(message))).toBe(true);
});
