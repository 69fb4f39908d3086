/**
 * `npm run tracker -- calibrate` end to end through the CLI's main: a month of invoice items on
 * the spec-validated fake (two sizes billed off the catalog on purpose, one size it lacks), a
 * real Postgres, a real webhook receiver, and the version-1 JSON the issue specifies.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../../functions/src/cli";
import { runCliInProcess, type InProcessRun } from "./run-cli";
import { calibrationSentence } from "../../../functions/src/tracker/calibrate";
import { CalibrationStore } from "../../../functions/src/store/calibration-store";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import { defaultCatalog } from "../../../core/pricing";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { CALIBRATION_NOW, MISPRICED, seedCalibrationMonth } from "../../support/fake-do-api/calibration-month";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let fake: FakeDigitalOcean;
let database: TestDatabase;
let receiver: HttpReceiver;
const dir = mkdtempSync(path.join(tmpdir(), "dcg-calibrate-"));
const configPath = path.join(dir, "tracker.json");

beforeAll(async () => {
  [fake, database, receiver] = await Promise.all([startFakeDigitalOcean({ state: seedCalibrationMonth(), now: () => CALIBRATION_NOW }), createTestDatabase(__filename), startHttpReceiver()]);
  // Forecast and spikes have their own audience: calibration goes to the top-level (default) recipients.
  writeFileSync(configPath, JSON.stringify({ budgetMonthlyUsd: 400, recipients: { webhook: [`${receiver.baseUrl}/default`] }, forecast: { webhook: [`${receiver.baseUrl}/forecast`] } }));
});

afterAll(async () => {
  await database?.drop();
  await fake?.close();
  await receiver?.close();
});

function tracker(args: string[]): Promise<InProcessRun> {
  const env = { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url };
  return runCliInProcess([...args, "--config", configPath, "--database-url", database.url, "--now", CALIBRATION_NOW.toISOString()], env);
}

describe("tracker calibrate", () => {
  it("the seeded sizes are what the test claims of the catalog", () => {
    expect(defaultCatalog.dropletSize(MISPRICED.droplet.slug)?.monthlyUsd).toBe(MISPRICED.droplet.catalogUsd);
    expect(defaultCatalog.databaseSize("pg", "db-s-2vcpu-4gb")?.monthlyUsdPerNode).toBe(MISPRICED.database.catalogUsd);
    expect(defaultCatalog.dropletSize(MISPRICED.unknown.slug)).toBeUndefined();
  });

  it("--json marks exactly the mispriced slugs drift with their percentages, the rest ok, and notifies once per slug", async () => {
    const jsonPath = path.join(dir, "calibration.json");
    const run = await tracker(["calibrate", "--json", jsonPath]);
    expect(run.err).not.toContain("warning");
    expect(run.code).toBe(0);
    const document = JSON.parse(readFileSync(jsonPath, "utf8"));
    expect(document.version).toBe(1);
    expect(document.billingMonth).toBe("2026-11");
    for (const slug of document.slugs) expect(Object.keys(slug).sort()).toEqual(["catalogMonthlyUsd", "driftPct", "invoicedMonthlyUsd", "product", "resources", "slug", "verdict"]);
    expect(document.slugs).toEqual([
      { product: "App Platform", slug: "apps-s-1vcpu-1gb", catalogMonthlyUsd: 12, invoicedMonthlyUsd: 12, driftPct: 0, resources: 1, verdict: "ok" },
      { product: "Droplets", slug: "s-1vcpu-1gb", catalogMonthlyUsd: 6, invoicedMonthlyUsd: 6, driftPct: 0, resources: 1, verdict: "ok" },
      { product: "Droplets", slug: MISPRICED.droplet.slug, catalogMonthlyUsd: 24, invoicedMonthlyUsd: 28.8, driftPct: 20, resources: 3, verdict: "drift" },
      { product: "Droplets", slug: MISPRICED.unknown.slug, catalogMonthlyUsd: null, invoicedMonthlyUsd: 42, driftPct: null, resources: 1, verdict: "unknown-in-catalog" },
      { product: "Load Balancers", slug: "regional-node", catalogMonthlyUsd: 12, invoicedMonthlyUsd: 12, driftPct: 0, resources: 1, verdict: "ok" },
      { product: "Managed Databases", slug: MISPRICED.database.slug, catalogMonthlyUsd: 60, invoicedMonthlyUsd: 66, driftPct: 10, resources: 1, verdict: "drift" },
      { product: "Volumes", slug: "100gib", catalogMonthlyUsd: 10, invoicedMonthlyUsd: 10, driftPct: 0, resources: 1, verdict: "ok" },
    ]);
    // The table a person reads.
    expect(run.out).toMatch(/Droplets\s+s-2vcpu-4gb\s+\$24\.00\s+\$28\.80\s+\+20\.00%\s+3\s+drift/);
    expect(run.out).toContain("notifications: 3 delivered, 0 failed, 0 pending");
    expect(fake.validationErrors).toEqual([]);

    // One message per drifted or unknown slug, to the default recipients only.
    expect(receiver.requests.map((request) => request.path)).toEqual(["/default", "/default", "/default"]);
    const summaries = receiver.requests.map((request) => JSON.stringify(request.body));
    expect(summaries.some((body) => body.includes("the catalog says $24, DigitalOcean billed $28.80 for s-2vcpu-4gb in 2026-11"))).toBe(true);
    expect(summaries.some((body) => body.includes("the catalog says $60, DigitalOcean billed $66 for pg:db-s-2vcpu-4gb in 2026-11"))).toBe(true);
    expect(summaries.some((body) => body.includes("s-2vcpu-8gb"))).toBe(true);
  });

  it("run twice: the drift is recorded once per slug and nobody is notified again", async () => {
    const again = await tracker(["calibrate"]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("notified: none");
    expect(receiver.requests).toHaveLength(3);
    const db = createPostgresClient({ connectionString: database.url });
    try {
      const outbox = await new CostStore(db).listOutbox();
      expect(outbox).toHaveLength(3);
      const events = await new CostStore(db).listAlertEvents("2026-11");
      expect(events.map((event) => event.alertKey).sort()).toEqual(["calibration:Droplets:s-2vcpu-4gb", "calibration:Droplets:s-2vcpu-8gb", "calibration:Managed Databases:pg:db-s-2vcpu-4gb"]);
      const stored = await new CalibrationStore(db).listCalibration();
      expect(stored.filter((row) => row.verdict !== "ok").map((row) => [row.slug, row.driftPct, row.driftMonthlyUsd])).toEqual([
        [MISPRICED.droplet.slug, 20, 4.8],
        [MISPRICED.unknown.slug, null, null],
        [MISPRICED.database.slug, 10, 6],
      ]);
    } finally {
      await db.close();
    }
  });

  it("writes the issue's sentence", () => {
    expect(calibrationSentence({ slug: "lb-small", catalogMonthlyUsd: 12, invoicedMonthlyUsd: 14.4 }, "2026-11")).toBe("the catalog says $12, DigitalOcean billed $14.40 for lb-small in 2026-11");
  });

  it("--help describes calibrate and reconcile", async () => {
    const out: string[] = [];
    expect(await main(["--help"], {}, (line) => out.push(line), () => undefined)).toBe(0);
    expect(out.join("\n")).toMatch(/calibrate .*invoice preview billed per size/);
    expect(out.join("\n")).toMatch(/reconcile --plan FILE/);
    expect(out.join("\n")).toContain("--catalog FILE");
  });

  it("refuses options of other tasks and a catalog that does not validate", async () => {
    expect((await tracker(["calibrate", "--plan", "x.json"])).err).toContain("--plan and --month are for reconcile");
    const bad = path.join(dir, "bad-prices.json");
    writeFileSync(bad, JSON.stringify({ droplets: {} }));
    const run = await tracker(["calibrate", "--catalog", bad]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("--catalog");
  });
});
