/** The offline plan as a user runs it: a subprocess, on the real program and on broken configs. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../support/stack-program";

/** `npm run plan` as package.json runs it: node with the esbuild TypeScript loader. */
const PLAN_COMMAND = ["--require", path.join(REPO_ROOT, "scripts/register-typescript.js"), "scripts/plan.ts"];

function plan(args: string[]) {
  const result = spawnSync(process.execPath, [...PLAN_COMMAND, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    // The prod stack bundles the tracker's functions with esbuild while it runs: minutes on a busy machine.
    timeout: 150_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of this project whose stack file is `stackYaml`, running the real index.ts. */
function projectWithStack(stackYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-plan-"));
  temporaryDirs.push(dir);
  const projectYaml = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8").replace(/^main: index\.ts$/m, `main: ${path.join(REPO_ROOT, "index.ts")}`);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectYaml);
  fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), stackYaml);
  return dir;
}

const temporaryDirs: string[] = [];
afterAll(() => temporaryDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe("npm run plan", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-plan-json-"));
  temporaryDirs.push(tmp);

  it("plans the prod stack, prints the alert policies and writes the JSON plan", () => {
    const jsonFile = path.join(tmp, "plan.json");
    const { code, stdout, stderr } = plan(["--json", jsonFile]);
    expect(stderr).toContain("warning: do-cost-guard:dashboardPassword is a secret the stack has not set");
    // Optional secrets live in Pulumi.yaml's template.config: no stack is forced to set them.
    expect(stderr).toContain("warning: do-cost-guard:alertSlackWebhookUrl is an optional secret the stack has not set");
    // The prod example's two teams (issue 15): their secrets are placeholders offline (maps: none set)…
    for (const key of ["trackerOrganizationToken", "trackerTeamTokens", "dashboardTeamPasswords"]) expect(stderr).toContain(`warning: do-cost-guard:${key} is an optional secret the stack has not set`);
    expect(code).toBe(0);
    expect(stdout).toContain("Plan for do-cost-guard (stack prod): 14 resources to create");
    // Monitor alerts are free: priced at $0, not unknown.
    expect(stdout).toMatch(/digitalocean:MonitorAlert\s+orders-db-cpu-high\s+\$0\.00\s+orders-db CPU above 70% for 5 min/);
    expect(stdout).toMatch(/digitalocean:MonitorAlert\s+orders-db-cpu-low\s+\$0\.00\s+orders-db CPU below 20% for 1 hour/);
    expect(stdout).toContain("Estimated monthly cost: $0.00 (stack budget $350.00)");
    expect(stdout).toContain("No mandatory policy violations.");

    const document = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
    expect(document).toMatchObject({ version: 1, stack: "prod" });
    expect(document.resources).toHaveLength(14);
    expect(document.resources[0]).toEqual({
      urn: "urn:pulumi:prod::do-cost-guard::do-cost-guard:alerts:ResourceAlerts$digitalocean:index/monitorAlert:MonitorAlert::orders-db-cpu-high",
      type: "digitalocean:index/monitorAlert:MonitorAlert",
      name: "orders-db-cpu-high",
      inputs: expect.objectContaining({ type: "v1/dbaas/alerts/cpu_alerts", compare: "GreaterThan", value: 70, window: "5m" }),
      monthlyUsd: 0,
      components: [],
      unknowns: [],
    });
    expect(document).toMatchObject({ totalMonthlyUsd: 0, budgetMonthlyUsd: 350, blocked: false });
    // …and each team's settings reach the deployed tracker and dashboard: the same list is exported.
    const ladder = (...amounts: number[]) => amounts.map((amountUsd) => ({ id: `mtd-${amountUsd}`, amountUsd }));
    const teams = [
      { name: "production", budgetMonthlyUsd: 450, thresholds: ladder(10, 50, 150, 200), insightsOnly: true },
      { name: "staging", budgetMonthlyUsd: 60, thresholds: ladder(30, 60), insightsOnly: true },
    ];
    expect(document.outputs.trackerTeams).toEqual(teams);
    expect(stdout).toContain(`trackerTeams: ${JSON.stringify(teams)}`);
    // The placeholder stands in for a secret: it is masked like one.
    expect(fs.readFileSync(jsonFile, "utf8")).not.toContain("hooks.slack.com");
  }, 180_000);

  it("exits 2 and lists every configuration problem by key", () => {
    const dir = projectWithStack(
      [
        "config:",
        "  do-cost-guard:alertEmails: [oncall-at-forkline]",
        "  do-cost-guard:alertSlackChannel: ''",
        "  do-cost-guard:alertSlackWebhookUrl: ''",
        "  do-cost-guard:alertTargets:",
        "    - {kind: database, name: orders-db, id: 3f1c9a52-7d4e-4b8a-9c61-2e5f0d8b7a14, rules: {cpuLow: {threshold: 90}}}",
        "    - {kind: queue, name: jobs}",
      ].join("\n"),
    );
    const jsonFile = path.join(tmp, "broken.json");
    const { code, stdout, stderr } = plan(["--program", dir, "--stack", "broken", "--json", jsonFile]);
    expect(code).toBe(2);
    expect(stderr).toContain("Invalid do-cost-guard stack configuration (3 problems)");
    expect(stderr).toContain('do-cost-guard:alertEmails[0] must be an email address like ops@example.com (got "oncall-at-forkline")');
    expect(stderr).toContain("do-cost-guard:alertTargets[0].rules.cpuLow.threshold must be below cpuHigh.threshold (got 90, cpuHigh 70)");
    expect(stderr).toContain("do-cost-guard:alertTargets[1].kind must be one of database, droplet, loadBalancer, app");
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(stdout).not.toContain("resources to create");
    expect(fs.existsSync(jsonFile)).toBe(false);
  });

  it("exits 2 naming a stack file that is not valid YAML", () => {
    const dir = projectWithStack("config:\n  do-cost-guard:alertEmails: [unclosed\n");
    const { code, stderr } = plan(["--program", dir, "--stack", "broken"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Pulumi\.broken\.yaml is not valid YAML/);
  });

  it.each([
    ["a list", "config:\n  - do-cost-guard:alertEmails\n  - oncall@forkline.example\n", /Pulumi\.broken\.yaml: config must be a map of keys to values \(got a list of 2\)/],
    ["a string", "config: alertEmails=oncall@forkline.example\n", /Pulumi\.broken\.yaml: config must be a map of keys to values \(got a string\)/],
    ["a whole file that is a list", "- config\n", /Pulumi\.broken\.yaml must be a map with a config: key \(got a list of 1\)/],
  ])("exits 2 with one line when the stack file's config is %s", (_kind, stackYaml, reason) => {
    const dir = projectWithStack(stackYaml);
    const { code, stdout, stderr } = plan(["--program", dir, "--stack", "broken"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(reason);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).not.toContain("resources to create");
  });

  it("exits 2 with one line when the program calls a provider function the offline plan cannot answer", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-plan-invoke-"));
    temporaryDirs.push(dir);
    // The program resolves @pulumi/* from this repository, as a program beside it would.
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: invoker\nruntime: nodejs\nmain: index.ts\n");
    fs.writeFileSync(
      path.join(dir, "index.ts"),
      [
        'import * as digitalocean from "@pulumi/digitalocean";',
        'const legacy = digitalocean.getDropletOutput({ name: "legacy-web" });',
        'new digitalocean.Droplet("web", { image: "ubuntu-24-04-x64", region: "nyc3", size: "s-1vcpu-1gb", vpcUuid: legacy.vpcUuid, tags: ["env:prod", "service:web", "owner:platform"] });',
      ].join("\n"),
    );
    const { code, stdout, stderr } = plan(["--program", dir, "--stack", "dev"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^plan failed: the program calls the provider function getDroplet \(digitalocean:index\/getDroplet:getDroplet\), which reads from the cloud/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).not.toContain("resources to create");
  });

  describe("with a malformed price catalog (a copy of the planner whose core/pricing/prices.json is broken)", () => {
    /** The planner, the pack's sources and an example, copied to a temp dir with node_modules linked. */
    function copyOfPlanner(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-plan-catalog-"));
      temporaryDirs.push(dir);
      for (const entry of ["scripts", "core", "policies", "examples/restaurant-platform", "policy-config.json", "tsconfig.json", "package.json"]) {
        fs.cpSync(path.join(REPO_ROOT, entry), path.join(dir, entry), { recursive: true, filter: (source) => !source.includes(`${path.sep}dist`) });
      }
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
      return dir;
    }

    function planIn(dir: string) {
      const result = spawnSync(process.execPath, [...PLAN_COMMAND, "--program", "examples/restaurant-platform"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    it("exits 2 with one line when the catalog is not JSON", () => {
      const dir = copyOfPlanner();
      const catalog = path.join(dir, "core/pricing/prices.json");
      fs.writeFileSync(catalog, fs.readFileSync(catalog, "utf8").slice(0, 200));
      const { code, stdout, stderr } = planIn(dir);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^plan failed: cannot load the price catalog \(core\/pricing\): .*prices\.json/);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stdout).toBe("");
    });

    it("exits 2 with one line naming the bad entry when a price is not a number", () => {
      const dir = copyOfPlanner();
      const catalog = path.join(dir, "core/pricing/prices.json");
      const prices = JSON.parse(fs.readFileSync(catalog, "utf8"));
      prices.droplets.sizes[0].monthlyUsd = "six dollars";
      fs.writeFileSync(catalog, JSON.stringify(prices));
      const { code, stdout, stderr } = planIn(dir);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^plan failed: cannot load the price catalog \(core\/pricing\): prices\.droplets\.sizes\[0\] \([^)]+\)\.monthlyUsd must be a price >= 0 \(got "six dollars"\)/);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stdout).toBe("");
    });
  });

  it("documents itself with --help", () => {
    const { code, stdout } = plan(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--program DIR/);
    expect(stdout).toMatch(/--stack NAME/);
    expect(stdout).toMatch(/--json FILE/);
  });

  it("rejects an unknown option with exit 2", () => {
    const { code, stderr } = plan(["--colour"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option '--colour'/);
  });
});
