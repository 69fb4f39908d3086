/**
 * `npm run tracker -- reconcile --plan plan.json` on examples/restaurant-platform: the plan as
 * `npm run plan -- --json` writes it, against a fake October in which the example's resources
 * (tagged stack:restaurant-platform-prod) were billed, over the spec-validated fake and a real
 * Postgres. Estimate vs billed per resource and in total, the difference by component.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runCliInProcess, type InProcessRun } from "./run-cli";
import { CalibrationStore } from "../../../functions/src/store/calibration-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import { stackTagOfPlan, parsePlanJson } from "../../../functions/src/tracker/reconcile";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { RESTAURANT_STACK_TAG, seedStackMonth, STACK_MONTH } from "../../support/fake-do-api/calibration-month";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { REPO_ROOT } from "../../support/stack-program";

let fake: FakeDigitalOcean;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), "dcg-reconcile-"));
const configPath = path.join(dir, "tracker.json");
const planPath = path.join(dir, "plan.json");
const NOW = new Date("2026-11-29T12:00:00Z");

beforeAll(async () => {
  // The plan exactly as `npm run plan -- --program examples/restaurant-platform --json plan.json` makes it.
  const plan = spawnSync(process.execPath, ["--require", path.join(REPO_ROOT, "scripts/register-typescript.js"), "scripts/plan.ts", "--program", "examples/restaurant-platform", "--json", planPath], { cwd: REPO_ROOT, encoding: "utf8", timeout: 150_000 });
  if (plan.status !== 0) throw new Error(`npm run plan failed (${plan.status}): ${plan.stderr}`);
  [fake, database] = await Promise.all([startFakeDigitalOcean({ state: seedStackMonth(), now: () => NOW }), createTestDatabase(__filename)]);
  writeFileSync(configPath, JSON.stringify({ budgetMonthlyUsd: 400, recipients: { webhook: ["http://127.0.0.1:9/unused"] } }));
}, 200_000);

afterAll(async () => {
  await database?.drop();
  await fake?.close();
});

function tracker(args: string[]): Promise<InProcessRun> {
  const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url };
  return runCliInProcess([...args, "--config", configPath, "--database-url", database.url, "--now", NOW.toISOString()], env);
}

describe("tracker reconcile --plan", () => {
  it("names the stack by the plan's URNs: the tag do-resource-stack-tag suggests", () => {
    expect(stackTagOfPlan(parsePlanJson(JSON.parse(readFileSync(planPath, "utf8")), planPath))).toBe(RESTAURANT_STACK_TAG);
  });

  it("reports estimate vs billed per resource and in total, the difference explained by component, and stores it", async () => {
    const jsonPath = path.join(dir, "reconcile.json");
    const run = await tracker(["reconcile", "--plan", planPath, "--json", jsonPath]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(fake.validationErrors).toEqual([]);
    const document = JSON.parse(readFileSync(jsonPath, "utf8"));
    expect(document).toMatchObject({ version: 1, stackTag: RESTAURANT_STACK_TAG, billingMonth: "2026-10", partialMonth: false });
    const byName = Object.fromEntries(document.resources.map((r: { name: string }) => [r.name, r]));
    const printerBilled = STACK_MONTH.printer.droplet + STACK_MONTH.printer.backups + STACK_MONTH.printer.bandwidth;
    expect(byName["ticket-printer"]).toMatchObject({ status: "billed", estimatedUsd: 14.4, billedUsd: printerBilled, differenceUsd: STACK_MONTH.printer.bandwidth });
    expect(byName["ticket-printer"].parts).toEqual([
      { part: "base", estimatedUsd: 12, billedUsd: STACK_MONTH.printer.droplet },
      { part: "backups", estimatedUsd: 2.4, billedUsd: STACK_MONTH.printer.backups },
      { part: "bandwidth", estimatedUsd: 0, billedUsd: STACK_MONTH.printer.bandwidth, usageBased: true },
    ]);
    expect(byName["ticket-printer"].explanations).toEqual(["bandwidth overage: billed $3.20, estimated as usage (unknown before deploy)"]);
    expect(byName["orders-db"]).toMatchObject({ status: "billed", estimatedUsd: 120, billedUsd: STACK_MONTH.ordersDb, differenceUsd: 0 });
    expect(byName["ticket-spool"]).toMatchObject({ status: "billed", estimatedUsd: 5, billedUsd: STACK_MONTH.spool, differenceUsd: 0 });
    for (const name of ["ordering", "printer-lb", "menu-photos", "printer-ip"]) expect(byName[name]).toMatchObject({ status: "untaggable" });
    expect(document).toMatchObject({ estimatedUsd: 139.4, billedUsd: 142.6, differenceUsd: 3.2, unplannedBilledUsd: STACK_MONTH.unplannedDebugBox });

    expect(run.out).toMatch(/ticket-printer\s+Droplet\s+billed\s+\$14\.40\s+\$17\.60\s+\+\$3\.20/);
    expect(run.out).toContain("total (resources matched on the bill): estimated $139.40, billed $142.60, difference +$3.20");
    expect(run.out).toContain("billed to stack:restaurant-platform-prod but not in the plan: $6.00");

    const db = createPostgresClient({ connectionString: database.url });
    try {
      const stored = await new CalibrationStore(db).listStackReconciliations();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ billingMonth: "2026-10", stackTag: RESTAURANT_STACK_TAG, estimatedUsd: 139.4, billedUsd: 142.6, differenceUsd: 3.2, unplannedBilledUsd: 6 });
      expect(stored[0]!.resources.find((r) => r.name === "ticket-printer")?.billedUsd).toBe(printerBilled);
    } finally {
      await db.close();
    }
  });

  it("a month with no invoice, or no --plan, is refused with the reason", async () => {
    const missing = await tracker(["reconcile", "--plan", planPath, "--month", "2025-01"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no invoice for 2025-01");
    const noPlan = await tracker(["reconcile"]);
    expect(noPlan.code).toBe(2);
    expect(noPlan.err).toContain("reconcile needs --plan FILE");
  });
});
