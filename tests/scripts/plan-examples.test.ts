/**
 * The examples planned end to end — program under mocks, prices from core/pricing, the policy
 * pack over analyzer gRPC — against golden cost reports. Every golden component is quantity ×
 * unit price from core/pricing/prices.json, so each figure can be recomputed by hand.
 * Regenerate after a deliberate price or example change with UPDATE_GOLDEN=1.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlanDocument } from "../../scripts/lib/plan-document";
import { REPO_ROOT } from "../support/stack-program";

/** `npm run plan` as package.json runs it: node with the esbuild TypeScript loader. */
const PLAN_COMMAND = ["--require", path.join(REPO_ROOT, "scripts/register-typescript.js"), "scripts/plan.ts"];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-examples-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function plan(example: string, extra: string[] = []) {
  const jsonFile = path.join(tmp, `${example}.json`);
  const markdownFile = path.join(tmp, `${example}.md`);
  const result = spawnSync(
    process.execPath,
    [...PLAN_COMMAND, "--program", `examples/${example}`, "--json", jsonFile, "--markdown", markdownFile, ...extra],
    { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000 },
  );
  const document = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, "utf8")) as PlanDocument) : undefined;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, document, markdown: fs.existsSync(markdownFile) ? fs.readFileSync(markdownFile, "utf8") : "", jsonFile };
}

function costReport(document: PlanDocument) {
  return {
    totalMonthlyUsd: document.totalMonthlyUsd,
    resources: document.resources.map((r) => ({ name: r.name, type: r.type, monthlyUsd: r.monthlyUsd, maxMonthlyUsd: r.maxMonthlyUsd, components: r.components, unknowns: r.unknowns })),
  };
}

function expectGolden(example: string, document: PlanDocument): void {
  const file = path.join(__dirname, "golden", `${example}.cost.json`);
  const actual = costReport(document);
  if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(file, JSON.stringify(actual, null, 2) + "\n");
  expect(actual).toEqual(JSON.parse(fs.readFileSync(file, "utf8")));
}

describe("plan of examples/restaurant-platform (the stack the guard should pass)", () => {
  let run: ReturnType<typeof plan>;
  beforeAll(() => {
    run = plan("restaurant-platform");
  });

  it("passes: exit 0, under budget, no mandatory violation", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.document?.blocked).toBe(false);
    expect(run.document?.budgetMonthlyUsd).toBe(350);
    expect(run.document?.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    expect(run.stdout).toContain("Estimated monthly cost: $204.40 (stack budget $350.00)");
  });

  it("matches the golden cost report", () => {
    expectGolden("restaurant-platform", run.document!);
  });

  it("adds up: the total is the sum of the resources, each the sum of its components", () => {
    const doc = run.document!;
    const cents = (usd: number | null) => Math.round((usd ?? 0) * 100);
    expect(doc.resources.reduce((sum, r) => sum + cents(r.monthlyUsd), 0)).toBe(cents(doc.totalMonthlyUsd));
    for (const r of doc.resources) expect(r.components.reduce((sum, c) => sum + cents(c.monthlyUsd), 0)).toBe(cents(r.monthlyUsd));
  });

  it("reports the same total in the policy message as in the plan", () => {
    const stackCost = run.document!.violations.find((v) => v.policy === "do-resource-estimated-cost" && !v.urn);
    expect(stackCost?.message).toContain("estimated stack total $204.40/month");
  });

  it("compares against an earlier plan: a removed resource and a resized one", () => {
    const earlier = JSON.parse(fs.readFileSync(run.jsonFile, "utf8")) as PlanDocument;
    const db = earlier.resources.find((r) => r.name === "orders-db")!;
    db.monthlyUsd = 60;
    earlier.resources.push({ ...db, urn: db.urn.replace("orders-db", "old-cache"), name: "old-cache", monthlyUsd: 15 });
    earlier.totalMonthlyUsd = 204.4 - 60 + 15;
    const earlierFile = path.join(tmp, "earlier.json");
    fs.writeFileSync(earlierFile, JSON.stringify(earlier));
    const compared = plan("restaurant-platform", ["--compare-to", earlierFile]);
    expect(compared.code).toBe(0);
    expect(compared.document?.diff).toEqual({
      added: [],
      removed: [{ urn: db.urn.replace("orders-db", "old-cache"), monthlyUsd: 15 }],
      changed: [{ urn: db.urn, beforeMonthlyUsd: 60, afterMonthlyUsd: 120 }],
      monthlyDeltaUsd: 45, // 204.40 − (204.40 − 60 + 15)
    });
    expect(compared.markdown).toContain("**Change: +$45.00/month** — 0 added, 1 removed, 1 changed");
  });
});

describe("plan of examples/restaurant-platform with the advisory policies summarizing above 3 resources", () => {
  let run: ReturnType<typeof plan>;
  beforeAll(() => {
    // The production config, with every summarizing policy's threshold lowered from 200 to 3 (the example has 9 resources).
    const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "policy-config.json"), "utf8")) as Record<string, unknown>;
    const summarizing = { enforcementLevel: "advisory", summaryThreshold: 3, summaryListed: 2 };
    for (const policy of ["do-resource-estimated-cost", "do-resource-stack-tag", "do-untaggable-require-project"]) config[policy] = summarizing;
    const configFile = path.join(tmp, "summarizing-policy-config.json");
    fs.writeFileSync(configFile, JSON.stringify(config));
    run = plan("restaurant-platform", ["--policy-config", configFile]);
  });

  it("the table and --json still carry every resource's estimate, the same as the golden report", () => {
    expect(run.code).toBe(0);
    expectGolden("restaurant-platform", run.document!);
    for (const r of run.document!.resources) expect(run.stdout).toMatch(new RegExp(`\\s${r.name}\\s+\\$\\d+\\.\\d\\d`));
    expect(run.stdout).toContain("Estimated monthly cost: $204.40 (stack budget $350.00)");
  });

  it("the cost policy reports one summary for the stack and nothing per resource", () => {
    const cost = run.document!.violations.filter((v) => v.policy === "do-resource-estimated-cost");
    expect(cost).toHaveLength(1);
    expect(cost[0]).toMatchObject({ enforcementLevel: "advisory" });
    expect(cost[0].urn).toBeUndefined();
    // Golden report: 7 priced (the reserved IP at $0 included; the attachment and the project are free);
    // the other five: $5 bucket + $5 volume + $12 load balancer + $14.40 droplet + $0 IP = $36.40.
    expect(cost[0].message).toContain(
      [
        "estimated stack total $204.40/month across 7 priced DigitalOcean resources (one summary for the stack's 9 DigitalOcean resources, more than summaryThreshold 3)",
        "most expensive 2:",
        '  DatabaseCluster "orders-db" $120.00',
        '  App "ordering" $48.00',
        "the other 5 priced resources: $36.40/month",
      ].join("\n"),
    );
    // Shown where a per-resource report would be hidden: the summary is the only cost line a reader gets.
    expect(run.stdout).toMatch(/\[advisory\] do-resource-estimated-cost \(stack\): .*estimated stack total \$204\.40\/month/s);
  });
});

describe("plan of examples/unguarded-startup (the stack a reviewer must block)", () => {
  let run: ReturnType<typeof plan>;
  beforeAll(() => {
    run = plan("unguarded-startup");
  });

  it("is blocked: exit 1 with readable reasons", () => {
    expect(run.code).toBe(1);
    expect(run.document?.blocked).toBe(true);
    expect(run.stdout).toContain("BLOCKED: mandatory policy violations would stop pulumi up.");
    expect(run.stdout).toMatch(/\[mandatory\] do-resource-require-tags \(scraper-1\)/);
    expect(run.stdout).toMatch(/Droplet "scraper-1" is missing required tag keys env, service, owner/);
    expect(run.stdout).toMatch(/\[mandatory\] do-resource-tag-format \(scraper-1\)/);
    expect(run.stdout).toMatch(/\[mandatory\] do-stack-monthly-budget \(stack\).*exceeds the stack budget of \$350\.00\/month/s);
    expect(run.stdout).toMatch(/\[advisory\] do-untaggable-require-project \(public-lb\)/);
  });

  it("matches the golden cost report", () => {
    expectGolden("unguarded-startup", run.document!);
  });

  it("writes a pull-request comment that says it is blocked and why", () => {
    expect(run.markdown).toContain("❌ **Blocked** by mandatory policies");
    expect(run.markdown).toMatch(/\*\*Estimated monthly cost: \$[\d,]+\.\d\d\*\* of a \$350\.00 stack budget/);
    expect(run.markdown).toMatch(/\| mandatory \| do-stack-monthly-budget \| \(stack\) \|/);
  });
});
