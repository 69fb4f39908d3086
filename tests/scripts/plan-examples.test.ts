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
