/**
 * The streaming ingest against the path it replaced, on the month replay: after every run,
 * each day's rows per resource × product and each day of history are identical to the cent.
 *
 * The subject is `readAccount` + `writeReading` as `check` runs them: invoice pages folded as
 * they arrive, the stored month read back as per-line totals plus the rewritten days, rows
 * written one array per column. The reference is the old path, written plainly: every item of
 * the month held in one list (`listInvoiceItems`) and summed with one map, the month's stored
 * rows read back whole, every row written by its own INSERT. Both share only the parts that did
 * not change: the resource lists and tags (readAccount), and spreading a line's new cents over
 * the hours since the previous run (spreadLines).
 *
 * The month is the scenario's, with its invoice made realistic: each line billed in 60 items
 * (several pages of 200), droplets' backups as a second product, a line with no resource id,
 * a credit, a line that ends mid-month; checks run at uneven hours (every 7 h, a 40-hour gap,
 * the jump's hour twice).
 */
import { billingMonthOf, isoDate, monthStart } from "../../../core/calendar";
import { fromCents, parseUsd, toCents } from "../../../core/money";
import type { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import type { InvoiceItem } from "../../../functions/src/digitalocean/types";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import type { BillingHistoryDay, CostBreakdown, ResourceDailyCost } from "../../../functions/src/store/types";
import { lineKey, readAccount, resourceKeyOf, spreadLines, spreadStart, writeReading, type CumulativeLine, type StoredMonth } from "../../../functions/src/tracker/ingest";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { JUMP_AT, MONTH_START, fakeClient, memoryLog, prepareAccount, setHour } from "./month-scenario";

jest.setTimeout(150_000);

const ITEMS_PER_LINE = 60;

/** The scenario's preview at `now`, billed the way a real invoice is: many items per line. */
function realisticPreview(items: readonly InvoiceItem[], now: Date): InvoiceItem[] {
  const out: InvoiceItem[] = [];
  for (const item of items) {
    const cents = toCents(parseUsd(item.amount ?? "0", "amount"));
    for (let part = 0; part < ITEMS_PER_LINE; part++) {
      const share = Math.trunc(cents / ITEMS_PER_LINE) + (part < cents % ITEMS_PER_LINE ? 1 : 0);
      out.push({ ...item, amount: fromCents(share).toFixed(2) });
    }
    if (item.product === "Droplets") out.push({ ...item, product: "Backups", amount: fromCents(Math.round(cents / 5)).toFixed(2), duration_unit: "Hours" });
  }
  const hours = Math.round((now.getTime() - MONTH_START.getTime()) / 3_600_000);
  out.push({ product: "Spaces", description: "Spaces subscription (no resource id)", amount: fromCents(Math.min(hours, 672) * 1).toFixed(2), duration: String(hours), duration_unit: "Hours", project_name: "restaurant-prod" });
  if (now >= new Date("2026-03-05T00:00:00Z")) out.push({ product: "Credits", description: "Promotional credit", amount: "-12.50", duration: "1", duration_unit: "" });
  // A droplet deleted on the 20th: its line stops growing and stays on the invoice.
  const ended = Math.min(hours, 19 * 24);
  out.push({ product: "Droplets", resource_id: "999000111", resource_uuid: "3b7c1e0a-0000-4000-8000-00000000e2d0", description: "retired-worker (s-1vcpu-1gb)", amount: fromCents(Math.round((600 * ended) / 672)).toFixed(2), duration: String(ended), duration_unit: "Hours" });
  return out;
}

/** The instants both paths run at: every 7 hours, but nothing from the 8th 02:00 to the 9th 18:00, and the jump's hour (twice). */
function runInstants(): Date[] {
  const instants: Date[] = [];
  for (let t = MONTH_START.getTime(); t < Date.UTC(2026, 3, 1); t += 7 * 3_600_000) {
    if (t > Date.UTC(2026, 2, 8, 2) && t < Date.UTC(2026, 2, 9, 18)) continue;
    instants.push(new Date(t));
  }
  instants.push(JUMP_AT, JUMP_AT);
  return instants.sort((a, b) => a.getTime() - b.getTime());
}

/** The old fold: every item in one list, summed per resource × product with one map. */
function referenceLines(items: readonly InvoiceItem[], tags: ReadonlyMap<string, readonly string[]>): Map<string, CumulativeLine> {
  const lines = new Map<string, CumulativeLine>();
  for (const item of items) {
    const product = item.product || "(unknown product)";
    const resourceKey = resourceKeyOf(item);
    const key = lineKey(resourceKey, product);
    const cents = toCents(parseUsd(item.amount ?? "0", "amount"));
    let line = lines.get(key);
    if (!line) {
      const tagKey = item.resource_id && tags.has(item.resource_id) ? item.resource_id : item.resource_uuid || item.resource_id;
      line = { resourceKey, tagKey, product, projectName: item.project_name || null, cents: 0, hourlyCents: 0, hours: 0 };
      lines.set(key, line);
    }
    line.cents += cents;
    const hours = Number(item.duration ?? "0");
    if (cents > 0 && hours > 0 && (item.duration_unit ?? "").toLowerCase() === "hours") {
      line.hourlyCents += cents;
      line.hours = Math.max(line.hours, hours);
    }
  }
  return lines;
}

/** The old stored-month read: every row of the month so far, split around the run's first day. */
async function referenceStoredMonth(store: CostStore, now: Date, previousRun: Date | undefined): Promise<{ from: Date; stored: StoredMonth }> {
  const start = monthStart(billingMonthOf(now));
  const rows = await store.listResourceDailyCosts(isoDate(start), isoDate(now));
  const from = spreadStart(start, rows.length > 0, previousRun, now);
  const attributed = new Map<string, number>();
  const rowsByDate = new Map<string, Map<string, ResourceDailyCost>>();
  let centsBefore = 0;
  for (const row of rows) {
    const key = lineKey(row.resourceUuid, row.product);
    attributed.set(key, (attributed.get(key) ?? 0) + toCents(row.amountUsd));
    if (row.date < isoDate(from)) centsBefore += toCents(row.amountUsd);
    else rowsByDate.set(row.date, (rowsByDate.get(row.date) ?? new Map()).set(key, row));
  }
  return { from, stored: { any: rows.length > 0, attributed, rowsByDate, centsBefore } };
}

/** The old path end to end, writing each row with its own statement. */
async function referenceIngest(db: SqlClient, client: DigitalOceanClient, now: Date): Promise<void> {
  const reading = await readAccount(client, memoryLog());
  const items = await client.listInvoiceItems("preview");
  const lines = referenceLines(items, reading.tagsByResource);
  const store = new CostStore(db);
  const previous = await store.latestSpendSnapshot();
  await store.insertSpendSnapshot({ takenAt: now, source: "balance" as const, monthToDateUsd: 0, accountBalanceUsd: 0, generatedAt: now, invoicePreviewUsd: null });
  const { from, stored } = await referenceStoredMonth(store, now, previous?.takenAt);
  const { added, updated, days } = spreadLines(lines, stored, from, now, reading.tagsByResource);
  for (const row of [...added, ...updated]) {
    await db.query(
      `INSERT INTO resource_daily_cost (team, date, resource_uuid, product, project_name, amount_usd) VALUES ('default', $1::date, $2, $3, $4, $5::numeric)
       ON CONFLICT (team, date, resource_uuid, product) DO UPDATE SET project_name = EXCLUDED.project_name, amount_usd = EXCLUDED.amount_usd`,
      [row.date, row.resourceUuid, row.product, row.projectName, row.amountUsd.toFixed(2)],
    );
  }
  for (const day of days) {
    await db.query(
      `INSERT INTO billing_history (team, date, total_cost_usd, month_to_date_usd, cost_by_service, cost_by_project, cost_by_tag)
       VALUES ('default', $1::date, $2::numeric, $3::numeric, $4::jsonb, $5::jsonb, $6::jsonb)
       ON CONFLICT (team, date) DO UPDATE SET total_cost_usd = EXCLUDED.total_cost_usd, month_to_date_usd = EXCLUDED.month_to_date_usd,
         cost_by_service = EXCLUDED.cost_by_service, cost_by_project = EXCLUDED.cost_by_project, cost_by_tag = EXCLUDED.cost_by_tag`,
      [day.date, day.totalCostUsd.toFixed(2), day.monthToDateUsd.toFixed(2), JSON.stringify(day.costByService), JSON.stringify(day.costByProject), JSON.stringify(day.costByTag)],
    );
  }
}

/** Everything a path wrote for the month, in cents. */
async function written(db: SqlClient): Promise<{ rows: string[]; days: unknown[] }> {
  const store = new CostStore(db);
  const rows = await store.listResourceDailyCosts("2026-03-01", "2026-03-31");
  const cents = (breakdown: CostBreakdown) => Object.fromEntries(Object.entries(breakdown).map(([key, usd]) => [key, toCents(usd)]));
  const history = await store.listBillingHistory("2026-03-01", "2026-03-31");
  return {
    rows: rows.map((row) => `${row.date} ${row.resourceUuid} ${row.product} ${row.projectName} ${toCents(row.amountUsd)}`),
    days: history.map((day: BillingHistoryDay) => ({
      date: day.date,
      total: toCents(day.totalCostUsd),
      mtd: toCents(day.monthToDateUsd),
      service: cents(day.costByService),
      project: cents(day.costByProject),
      tag: cents(day.costByTag),
    })),
  };
}

let fake: FakeDigitalOcean;
const databases: { database: TestDatabase; db: SqlClient }[] = [];

beforeAll(async () => {
  fake = await startFakeDigitalOcean();
  for (let i = 0; i < 2; i++) {
    const database = await createTestDatabase(__filename);
    const db = createPostgresClient({ connectionString: database.url });
    await CostStore.open(db);
    databases.push({ database, db });
  }
});

afterAll(async () => {
  for (const { db, database } of databases) {
    await db.close();
    await database.drop();
  }
  await fake?.close();
});

it("writes, run after run of the month, the same rows per day, resource and product and the same history, to the cent, as the path that held every item", async () => {
  const [subject, reference] = databases.map(({ db }) => db) as [SqlClient, SqlClient];
  const client = fakeClient(fake);
  const lines = prepareAccount(fake.state);
  let compared = 0;
  for (const now of runInstants()) {
    setHour(fake.state, lines, now);
    fake.state.invoiceItems.preview = realisticPreview(fake.state.invoiceItems.preview!, now);
    await writeReading(subject, await readAccount(client, memoryLog()), now, memoryLog());
    await referenceIngest(reference, client, now);
    const [actual, expected] = await Promise.all([written(subject), written(reference)]);
    expect({ at: now.toISOString(), ...actual }).toEqual({ at: now.toISOString(), ...expected });
    compared += 1;
  }
  expect(compared).toBeGreaterThan(90);
  const final = await written(subject);
  // Every day of March has rows, and the items spanned several pages.
  expect(final.days).toHaveLength(31);
  expect(fake.state.invoiceItems.preview!.length).toBeGreaterThan(2 * 200);
  expect(fake.validationErrors).toEqual([]);
});
