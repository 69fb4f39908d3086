/**
 * `npm run bench:ingest`: one `check` over a month with 100,000 invoice items and 2,000
 * resources, against plain `JSON.parse` of the same payloads in the same run.
 *
 * The payloads are built in-process and served by a stub client that hands out the JSON text
 * page by page (200 items a page, as DigitalOcean pages) and parses it, so the measured ingest
 * includes parsing but not HTTP or the fake's per-response spec validation (which would
 * measure the fake, not the tracker). The database is embedded PGlite in memory, or Postgres
 * when DATABASE_URL is set (an existing, empty database). Prints wall times, their ratio (target ≤ 3×) and peak memory
 * (RSS and heap high-water, target < 256 MB).
 */
import { CostStore } from "../functions/src/store/cost-store";
import { connectStoreClient } from "../functions/src/store/open-store";
import type { Droplet, InvoiceItem } from "../functions/src/digitalocean/types";
import { parseTrackerConfig } from "../functions/src/tracker/config";
import { handle } from "../functions/src/tracker/handle";
import type { TrackerApi } from "../functions/src/tracker/ingest";
import { generateDroplets, generateInvoiceItems, invoiceResourcesOf, seedRestaurantPlatformAccount } from "../tests/support/fake-do-api";

const ITEMS = 100_000;
const RESOURCES = 2_000;
const PAGE = 200;
const NOW = new Date("2026-03-15T06:00:00Z");

function pages<T>(items: readonly T[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += PAGE) out.push(JSON.stringify({ items: items.slice(i, i + PAGE), links: {}, meta: { total: items.length } }));
  return out;
}

let peakRss = 0;
let peakHeap = 0;
function sample(): void {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}

async function main(): Promise<void> {
  const state = seedRestaurantPlatformAccount();
  state.droplets = [...state.droplets, ...generateDroplets(RESOURCES - state.droplets.length - 6)];
  const items = generateInvoiceItems(ITEMS, invoiceResourcesOf(state));
  const itemPages = pages(items);
  const dropletPages = pages(state.droplets);
  const balance = JSON.stringify({ month_to_date_usage: "1234.56", account_balance: "0.00", month_to_date_balance: "1234.56", generated_at: NOW.toISOString() });
  const invoices = JSON.stringify({ invoices: [], invoice_preview: { invoice_uuid: "x", amount: "1234.56", invoice_period: "2026-03" } });
  const payloadMb = (itemPages.join("").length + dropletPages.join("").length) / 1e6;
  console.log(`payloads: ${ITEMS} invoice items in ${itemPages.length} pages, ${state.droplets.length} droplets + ${state.databases.length + state.volumes.length + state.loadBalancers.length + state.apps.length + state.kubernetesClusters.length} other resources, ${payloadMb.toFixed(1)} MB of JSON`);

  const parseAll = <T>(texts: readonly string[]): T[] => texts.flatMap((text) => (JSON.parse(text) as { items: T[] }).items);
  const api: TrackerApi = {
    getBalance: async () => JSON.parse(balance),
    listInvoices: async () => JSON.parse(invoices),
    listInvoiceItems: async () => parseAll<InvoiceItem>(itemPages),
    listBillingHistory: async () => [],
    getBillingInsights: async () => [],
    listDroplets: async () => parseAll<Droplet>(dropletPages),
    listDatabaseClusters: async () => state.databases,
    listVolumes: async () => state.volumes,
    listKubernetesClusters: async () => state.kubernetesClusters,
    listLoadBalancers: async () => state.loadBalancers,
    listApps: async () => state.apps,
  };
  const config = parseTrackerConfig({ budgetMonthlyUsd: 5000, recipients: { webhook: ["http://127.0.0.1:9/bench"] } });
  const db = await connectStoreClient({ DATABASE_URL: process.env.DATABASE_URL, PGLITE_DIR: "memory" });
  await CostStore.open(db);
  const quiet = { info: () => undefined, warn: () => undefined };

  // Warm-up (JIT, first statements) on a throwaway run, then the measured pair.
  JSON.parse(itemPages[0]!);
  const timer = setInterval(sample, 5);
  const baselineStart = process.hrtime.bigint();
  const parsed = parseAll<InvoiceItem>(itemPages).length + parseAll<Droplet>(dropletPages).length;
  const baselineMs = Number(process.hrtime.bigint() - baselineStart) / 1e6;
  sample();

  const ingestStart = process.hrtime.bigint();
  const result = await handle("check", { client: api, db, transports: {}, now: NOW, config, log: quiet, delivery: { batchSize: 50 } });
  const ingestMs = Number(process.hrtime.bigint() - ingestStart) / 1e6;
  sample();
  // The steady state: the next hour's run writes only today, not the month so far.
  const nextStart = process.hrtime.bigint();
  await handle("check", { client: api, db, transports: {}, now: new Date(NOW.getTime() + 3_600_000), config, log: quiet });
  const nextMs = Number(process.hrtime.bigint() - nextStart) / 1e6;
  sample();
  clearInterval(timer);
  await db.close();

  if (result.task !== "check") throw new Error("unexpected task result");
  console.log(`backend: ${db.backend}`);
  console.log(`JSON.parse of the same payloads: ${baselineMs.toFixed(0)} ms (${parsed} objects)`);
  console.log(`check (parse + allocate + one-transaction write + thresholds/forecast/spikes + outbox): ${ingestMs.toFixed(0)} ms; ${result.check.ingest.daysWritten.length} days written, projection $${result.check.forecast.projectedUsd.toFixed(2)}`);
  console.log(`ratio check / JSON.parse: ${(ingestMs / baselineMs).toFixed(1)}× on the month's first run (back-fills ${result.check.ingest.daysWritten.length} days), ${(nextMs / baselineMs).toFixed(1)}× on the next hour's run (${nextMs.toFixed(0)} ms) (target ≤ 3×)`);
  console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MB (target < 256 MB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
