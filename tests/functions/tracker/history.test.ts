/**
 * `history` against the fake DigitalOcean API and real Postgres: February's invoice spread
 * over its days weighted by billing insights when an account URN is configured, evenly
 * without one (through the CLI, whose progress lines are checked) or when insights fail, and
 * days the tracker already measured left as they were.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDays } from "../../../core/calendar";
import { main as runCli } from "../../../functions/src/cli";
import type { BillingDataPoint } from "../../../functions/src/digitalocean/types";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import type { BillingHistoryDay } from "../../../functions/src/store/types";
import { parseTrackerConfig } from "../../../functions/src/tracker/config";
import { handle } from "../../../functions/src/tracker/handle";
import { FEBRUARY_INVOICE_UUID, startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { fakeClient, memoryLog, prepareAccount } from "./month-scenario";

const FEBRUARY_DATES = Array.from({ length: 28 }, (_, i) => addDays("2026-02-01", i));

let fake: FakeDigitalOcean;
/** February's invoice total and line count, in cents, from the fake's items. */
let invoiceCents: number;
let invoiceLines: number;
const opened: { database: TestDatabase; db: SqlClient }[] = [];

beforeAll(async () => {
  fake = await startFakeDigitalOcean();
  prepareAccount(fake.state);
  const items = fake.state.invoiceItems[FEBRUARY_INVOICE_UUID]!;
  invoiceCents = items.reduce((sum, item) => sum + Math.round(Number(item.amount) * 100), 0);
  invoiceLines = items.length;
  // Insights: $10 a day (two SKUs, $6 + $4) until the 14th, then $30 a day ($18 + $12): a launch
  // that tripled the run-rate mid-month. Weights 1 and 3 of 14 × 1 + 14 × 3 = 56.
  fake.state.billingInsights = FEBRUARY_DATES.flatMap((date, i): BillingDataPoint[] => {
    const factor = i < 14 ? 1 : 3;
    return [
      { usage_team_urn: fake.state.accountUrn, start_date: date, total_amount: (6 * factor).toFixed(2), region: "nyc3", sku: "1-DROPLETS", description: "Droplets", group_description: "" },
      { usage_team_urn: fake.state.accountUrn, start_date: date, total_amount: (4 * factor).toFixed(2), region: "nyc3", sku: "1-MANAGED-DATABASES", description: "Managed Databases", group_description: "" },
    ];
  });
});

afterAll(async () => {
  for (const { db, database } of opened) {
    await db.close();
    await database.drop();
  }
  await fake?.close();
});

async function freshDatabase(): Promise<{ database: TestDatabase; db: SqlClient; store: CostStore }> {
  const database = await createTestDatabase(__filename);
  const db = createPostgresClient({ connectionString: database.url });
  opened.push({ database, db });
  return { database, db, store: await CostStore.open(db) };
}

function config(accountUrn?: string) {
  return parseTrackerConfig({ budgetMonthlyUsd: 320, recipients: { webhook: ["http://127.0.0.1:9/unused"] }, ...(accountUrn ? { accountUrn } : {}) });
}

/**
 * Each of the invoice's lines is split in whole cents, truncated, with the remainder on the
 * month's last day; so a day other than the last gets its exact share minus less than a cent
 * per line: share − lines < cents ≤ share.
 */
function expectShares(days: readonly BillingHistoryDay[], weightOf: (dayIndex: number) => number, totalWeight: number): void {
  days.forEach((day, i) => {
    const share = (invoiceCents * weightOf(i)) / totalWeight;
    const cents = Math.round(day.totalCostUsd * 100);
    if (i === 27) return;
    expect([day.date, cents > share - invoiceLines && cents <= share]).toEqual([day.date, true]);
  });
}

describe("with billing insights (accountUrn configured)", () => {
  let store: CostStore;
  let log: ReturnType<typeof memoryLog>;
  let daysWritten: number;
  // The tracker already ran on the 27th and 28th: measured days, not estimates.
  const measured = (date: string): BillingHistoryDay => ({ date, totalCostUsd: 99.99, monthToDateUsd: 999.99, costByService: { Droplets: 99.99 }, costByProject: {}, costByTag: {} });

  beforeAll(async () => {
    const opened = await freshDatabase();
    store = opened.store;
    await store.upsertBillingHistory([measured("2026-02-27"), measured("2026-02-28")]);
    await store.upsertResourceDailyCosts([{ date: "2026-02-28", resourceUuid: "402110001", product: "Droplets", projectName: "restaurant-prod", amountUsd: 99.99 }]);
    log = memoryLog();
    const result = await handle("history", { client: fakeClient(fake), db: opened.db, transports: {}, now: new Date("2026-03-15T06:00:00Z"), config: config(fake.state.accountUrn), log });
    if (result.task !== "history") throw new Error("expected a history result");
    daysWritten = result.history.daysWritten;
    expect(result.history.months).toEqual(["2026-02"]);
  });

  it("weights each day by the insights' daily totals: 1/56 of the invoice a day, 3/56 after the 14th", async () => {
    const days = await store.listBillingHistory("2026-02-01", "2026-02-26");
    expect(days.map((d) => d.date)).toEqual(FEBRUARY_DATES.slice(0, 26));
    expectShares(days, (i) => (i < 14 ? 1 : 3), 56);
    // The 15th costs three times the 14th, give or take the truncated cents.
    expect(days[14]!.totalCostUsd / days[13]!.totalCostUsd).toBeCloseTo(3, 1);
    // Month to date on the 26th: 14 × 1/56 + 12 × 3/56 = 50/56 of the invoice, less the truncated cents.
    const mtdCents = Math.round(days[25]!.monthToDateUsd * 100);
    expect(mtdCents).toBeLessThanOrEqual((invoiceCents * 50) / 56);
    expect(mtdCents).toBeGreaterThan((invoiceCents * 50) / 56 - 26 * invoiceLines);
  });

  it("leaves the days already measured as they were, rows included", async () => {
    expect(daysWritten).toBe(26);
    const kept = await store.listBillingHistory("2026-02-27", "2026-02-28");
    expect(kept.map((d) => [d.date, d.totalCostUsd, d.monthToDateUsd])).toEqual([
      ["2026-02-27", 99.99, 999.99],
      ["2026-02-28", 99.99, 999.99],
    ]);
    const rows = await store.listResourceDailyCosts("2026-02-27", "2026-02-28");
    expect(rows.map((r) => [r.date, r.resourceUuid, r.amountUsd])).toEqual([["2026-02-28", "402110001", 99.99]]);
    // Estimated days do have their per-resource rows: one per invoice line with a non-zero share.
    const first = await store.listResourceDailyCosts("2026-02-01", "2026-02-01");
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(invoiceLines);
  });

  it("logs its progress: what it found, each invoice, what it wrote", () => {
    expect(log.lines).toEqual([
      `found 1 invoices and ${fake.state.billingHistory.length} billing history entries`,
      `[1/1] 2026-02: ${invoiceLines} invoice items`,
      "wrote 26 days of history for 2026-02",
    ]);
  });

  it("asked billing insights for exactly February", () => {
    const insights = fake.requests.filter((r) => r.path.includes("/insights/"));
    expect(insights.map((r) => r.path)).toEqual([`/v2/billing/${fake.state.accountUrn}/insights/2026-02-01/2026-02-28`]);
  });
});

describe("without billing insights", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "dcg-history-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("spreads the invoice evenly (1/28 a day) and prints progress lines through the CLI", async () => {
    const { database, store } = await freshDatabase();
    const configPath = join(dir, "tracker.json");
    writeFileSync(configPath, JSON.stringify({ budgetMonthlyUsd: 320, recipients: { webhook: ["http://127.0.0.1:9/unused"] } }));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ["history", "--config", configPath, "--now", "2026-03-15T06:00:00Z"],
      { DIGITALOCEAN_TOKEN: fake.token, DIGITALOCEAN_API_URL: fake.url, DATABASE_URL: database.url },
      (line) => out.push(line),
      (line) => err.push(line),
    );
    expect(code).toBe(0);
    expect(out).toEqual(["history: 28 days written for 2026-02"]);
    expect(err).toEqual([
      `tracker: found 1 invoices and ${fake.state.billingHistory.length} billing history entries`,
      `tracker: [1/1] 2026-02: ${invoiceLines} invoice items`,
      "tracker: wrote 28 days of history for 2026-02",
    ]);
    const days = await store.listBillingHistory("2026-02-01", "2026-02-28");
    expectShares(days, () => 1, 28);
    // The days add up to the invoice exactly: the last day holds every line's remainder.
    expect(days.reduce((sum, d) => sum + Math.round(d.totalCostUsd * 100), 0)).toBe(invoiceCents);
    expect(Math.round(days[27]!.monthToDateUsd * 100)).toBe(invoiceCents);
  });

  it("falls back to an even spread, with a warning, when insights cannot be read", async () => {
    const { db, store } = await freshDatabase();
    const log = memoryLog();
    // A URN the fake does not know answers 404.
    await handle("history", { client: fakeClient(fake), db, transports: {}, now: new Date("2026-03-15T06:00:00Z"), config: config("do:team:00000000-0000-4000-8000-000000000000"), log });
    expect(log.lines.filter((line) => line.startsWith("warning:"))).toEqual([expect.stringMatching(/^warning: billing insights for 2026-02 unavailable, spreading evenly: .*404/)]);
    expectShares(await store.listBillingHistory("2026-02-01", "2026-02-28"), () => 1, 28);
  });
});

it("spoke to the fake only in ways DigitalOcean's spec allows", () => {
  expect(fake.validationErrors).toEqual([]);
});
