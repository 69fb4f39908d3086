/**
 * `npm run bench:action`: the deployed tracker action's memory and time by account size, run
 * the way DigitalOcean Functions runs it (bench/support/activation.ts: the uploaded bundle, a
 * fresh Node process per activation calling `main` with the parameters OpenWhisk passes, and
 * `__OW_DEADLINE` the timeout the stack deploys the action with): the action's bound parameters
 * (DIGITALOCEAN_TOKEN, DATABASE_URL, TRACKER_CONFIG as a JSON string, DIGITALOCEAN_API_URL)
 * merged with the scheduled trigger's body (`name: "check"`). DigitalOcean is the
 * spec-validated fake on 127.0.0.1 serving the account's pages (200 invoice items a page); the
 * database is Postgres (DATABASE_URL, the local server, or an embedded PostgreSQL), a fresh
 * database per size.
 *
 * The process's clock is set to 2026-03-15T06:00Z (so the month's first check back-fills 15
 * days whatever today is) and the next activation to an hour later: the month's first check
 * and the hourly steady state. The check's advice slice spends up to 1,080 metric reads at the
 * pacer's 200 a minute, about 5 minutes of waiting; those waits are skipped and printed apart
 * ("paced"), so the time is the check's own work. Peak memory is the child's own resident high-water mark
 * (VmHWM) read at its end (bench/support/memory.ts); the action's limit is its whole
 * container, and a bare Node process is most of the rest. Target (issue 17): < 256 MB, the
 * default memory the stack deploys the action with, at 100,000 items.
 */
import { generateDroplets, generateInvoiceItems, invoiceResourcesOf, seedRestaurantPlatformAccount, startFakeDigitalOcean } from "../tests/support/fake-do-api";
import { activate, bareNodePeakBytes, withTrackerAction, type Activation } from "./support/activation";
import { MB } from "./support/memory";

/** Account sizes: invoice items of the running month, and one resource per 50 items. */
const SIZES = [1_000, 10_000, 100_000];
/** The Functions default the stack deploys the tracker with (Pulumi.yaml `functions`, project.yml). */
const ACTION_MEMORY_MB = 256;
const NOW = new Date("2026-03-15T06:00:00Z");
const TOKEN = "dop_v1_bench-action-token";

interface ActionAnswer {
  task?: string;
  monthToDateUsd?: number;
  error?: string;
}

async function main(): Promise<void> {
  await withTrackerAction(async (built, postgres) => {
    console.log(`bundle: ${(built.bytes / 1024).toFixed(0)} KiB; each activation a fresh Node ${process.version} process calling main(params) as OpenWhisk does; Postgres: ${postgres.describe}`);
    console.log(`a bare Node process: ${(bareNodePeakBytes() / MB).toFixed(0)} MB peak RSS`);
    const rows: string[] = [];
    for (const items of SIZES) {
      const state = seedRestaurantPlatformAccount();
      state.droplets = [...state.droplets, ...generateDroplets(Math.max(0, items / 50 - state.droplets.length - 6))];
      state.invoiceItems.preview = generateInvoiceItems(items, invoiceResourcesOf(state));
      state.invoicePreview = { ...state.invoicePreview, invoice_period: "2026-03" };
      state.balance = { ...state.balance, month_to_date_usage: "1234.56", generated_at: NOW.toISOString().replace(".000", "") };
      const fake = await startFakeDigitalOcean({ state, token: TOKEN, now: () => NOW });
      const database = await postgres.database(`bench_action_${items}`);
      try {
        const params = {
          DIGITALOCEAN_TOKEN: TOKEN,
          DATABASE_URL: database.url,
          DIGITALOCEAN_API_URL: fake.url,
          TRACKER_CONFIG: JSON.stringify({ budgetMonthlyUsd: 5000, recipients: { webhook: ["http://127.0.0.1:9/bench"] } }),
          name: "check",
        };
        const first = await activate<ActionAnswer>(built.file, params, NOW, { skipWaits: true });
        const next = await activate<ActionAnswer>(built.file, params, new Date(NOW.getTime() + 3_600_000), { skipWaits: true });
        if (fake.validationErrors.length > 0) throw new Error(`the fake saw answers outside DigitalOcean's spec: ${fake.validationErrors[0]}`);
        const resources = state.droplets.length + state.databases.length + state.volumes.length + state.loadBalancers.length + state.apps.length + state.kubernetesClusters.length;
        const verdict = (peak: number) => (peak < ACTION_MEMORY_MB * MB ? "under" : "OVER");
        const figures = (activation: Activation<ActionAnswer>) => `${(activation.peakBytes / MB).toFixed(0)} MB, ${((activation.ms - activation.skippedMs) / 1000).toFixed(1)} s + ${(activation.skippedMs / 1000).toFixed(0)} s paced`;
        rows.push(`| ${items.toLocaleString("en-US")} | ${resources.toLocaleString("en-US")} | ${figures(first)} | ${figures(next)} | ${verdict(Math.max(first.peakBytes, next.peakBytes))} ${ACTION_MEMORY_MB} MB |`);
      } finally {
        await database.drop();
        await fake.close();
      }
    }
    console.log("| invoice items | resources | month's first check (migrates the empty database, back-fills 15 days): peak RSS, time + the pacer's waits | next hour: peak RSS, time + the pacer's waits | default memory |");
    console.log("| ---: | ---: | --- | --- | --- |");
    for (const row of rows) console.log(row);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
