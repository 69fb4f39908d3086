/**
 * `npm run prices:refresh -- --from-invoice FILE | --database-url URL` against a calibration of
 * the spec-validated fake's month: the diff it proposes, applied to a temp copy of the catalog
 * (never the real prices.json), makes `tracker calibrate` report every slug ok.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { main } from "../../functions/src/cli";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../support/fake-do-api";
import { CALIBRATION_NOW, MISPRICED, seedCalibrationMonth } from "../support/fake-do-api/calibration-month";
import { createTestDatabase, type TestDatabase } from "../support/postgres";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const REAL_CATALOG = path.join(ROOT, "core/pricing/prices.json");

let fake: FakeDigitalOcean;
let database: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), "dcg-refresh-invoice-"));
const configPath = path.join(dir, "tracker.json");
const realCatalogText = readFileSync(REAL_CATALOG, "utf8");

beforeAll(async () => {
  [fake, database] = await Promise.all([startFakeDigitalOcean({ state: seedCalibrationMonth(), now: () => CALIBRATION_NOW }), createTestDatabase(__filename)]);
  writeFileSync(configPath, JSON.stringify({ budgetMonthlyUsd: 400, recipients: { webhook: ["http://127.0.0.1:9/unused"] } }));
});

afterAll(async () => {
  await database?.drop();
  await fake?.close();
});

async function calibrate(extra: string[]): Promise<{ code: number; out: string; document: { slugs: { slug: string; verdict: string }[] } }> {
  const out: string[] = [];
  const jsonPath = path.join(dir, `calibration-${Date.now()}.json`);
  const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url };
  const code = await main(["calibrate", "--config", configPath, "--database-url", database.url, "--now", CALIBRATION_NOW.toISOString(), "--json", jsonPath, ...extra], env, (line) => out.push(line), () => undefined);
  return { code, out: out.join("\n"), document: JSON.parse(readFileSync(jsonPath, "utf8")) };
}

function refresh(args: string[]) {
  return run(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/refresh-prices.ts", ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: 120_000 });
}

describe("prices:refresh --from-invoice", () => {
  it("proposes the drifted and unknown slugs as a diff citing the invoice; applied to a copy, calibrate reports all ok", async () => {
    const before = await calibrate([]);
    expect(before.code).toBe(0);
    expect(before.document.slugs.filter((s) => s.verdict !== "ok").map((s) => s.slug).sort()).toEqual([MISPRICED.database.slug, MISPRICED.droplet.slug, MISPRICED.unknown.slug].sort());
    const calibrationFile = path.join(dir, "from-calibrate.json");
    writeFileSync(calibrationFile, JSON.stringify(before.document));

    const catalogCopy = path.join(dir, "prices.json");
    writeFileSync(catalogCopy, realCatalogText);
    const { stdout } = await refresh(["--from-invoice", calibrationFile, "--catalog", catalogCopy]);
    expect(stdout).toContain("@@ droplets.sizes[s-2vcpu-4gb] (corrected price; invoice 2026-11, 3 resources)");
    expect(stdout).toContain("@@ droplets.sizes[s-2vcpu-8gb] (new slug; invoice 2026-11, 1 resource)");
    expect(stdout).toContain("@@ databases.engines.pg.sizes[db-s-2vcpu-4gb] (corrected price; invoice 2026-11, 1 resource)");
    expect(stdout).toMatch(/^- \{"slug":"s-2vcpu-4gb","monthlyUsd":24,/m);
    expect(stdout).toMatch(/^\+ \{"slug":"s-2vcpu-4gb","monthlyUsd":28\.8,"hourlyUsd":0\.04286,/m);
    expect(stdout).toContain(`wrote ${catalogCopy} (3 rows)`);
    const written = JSON.parse(readFileSync(catalogCopy, "utf8"));
    expect(written.droplets.sizes.find((s: { slug: string }) => s.slug === "s-2vcpu-8gb")).toMatchObject({ monthlyUsd: 42, sourceKind: "official", note: expect.stringMatching(/^invoice 2026-11, 1 resource:/) });

    const after = await calibrate(["--catalog", catalogCopy]);
    expect(after.code).toBe(0);
    expect(after.document.slugs.map((s) => s.verdict)).toEqual(after.document.slugs.map(() => "ok"));
    expect(after.document.slugs).toHaveLength(before.document.slugs.length);
    // The real catalog is never touched by the test.
    expect(readFileSync(REAL_CATALOG, "utf8")).toBe(realCatalogText);
  }, 180_000);

  it("--database-url reads the latest calibration from the store; --dry-run writes nothing", async () => {
    const catalogCopy = path.join(dir, "prices-dry.json");
    writeFileSync(catalogCopy, realCatalogText);
    // The previous test's last calibration (against the corrected copy) is all ok: recalibrate against the shipped catalog.
    expect((await calibrate([])).code).toBe(0);
    const { stdout } = await refresh(["--database-url", database.url, "--catalog", catalogCopy, "--dry-run"]);
    expect(stdout).toContain("+++ ");
    expect(stdout).toContain("(from invoice 2026-11)");
    expect(stdout).toContain("@@ droplets.sizes[s-2vcpu-4gb] (corrected price; invoice 2026-11, 3 resources)");
    expect(stdout).toContain("dry run:");
    expect(readFileSync(catalogCopy, "utf8")).toBe(realCatalogText);
    expect(stdout).not.toContain(database.url);
  }, 180_000);

  it("refuses both sources at once", async () => {
    await expect(refresh(["--from-invoice", "a.json", "--database-url", "postgres://127.0.0.1/x"])).rejects.toMatchObject({ stderr: expect.stringContaining("alternatives") });
  }, 120_000);
});
