/**
 * npm run bench:advise — the savings advisor on a 5,000-droplet account: requests per run, the
 * busiest minute, and how many runs (hours when run hourly, days when run daily) until every
 * droplet's utilisation has been read once.
 *
 * The spec-validated fake serves the account (inventory paged 200 at a time, metrics answered
 * for every droplet); the store is the CLI's embedded PostgreSQL (or DATABASE_URL). Each run gets the default budget of 1,000
 * requests and the 200-a-minute pacer on a virtual clock, so a run's minutes are counted, not
 * waited. Targets (issue 10): no run above its budget, no minute above 200.
 */
import { resolveAdviceSettings } from "../core/advice";
import { DEFAULT_REQUEST_BUDGET, DEFAULT_REQUESTS_PER_MINUTE } from "../core/advice/request-budget";
import { defaultCatalog } from "../core/pricing";
import { DigitalOceanClient } from "../functions/src/digitalocean/client";
import { meteredFetch } from "../functions/src/digitalocean/metered-fetch";
import { AdviceStore } from "../functions/src/store/advice-store";
import { migrate } from "../functions/src/store/migrations";
import { advise } from "../functions/src/tracker/advise";
import { startFakeDigitalOcean } from "../tests/support/fake-do-api";
import { generateDroplets, seedRestaurantPlatformAccount } from "../tests/support/fake-do-api/seed";
import { openBenchStore } from "./support/store";

const DROPLETS = 5_000;
const MAX_RUNS = 40;

async function main(): Promise<void> {
  const state = { ...seedRestaurantPlatformAccount(), droplets: generateDroplets(DROPLETS) };
  const start = new Date("2026-11-29T00:00:00Z");
  const fake = await startFakeDigitalOcean({ state, now: () => start });
  const benchStore = await openBenchStore();
  const { db } = benchStore;
  await migrate(db);
  const store = new AdviceStore(db);
  const settings = resolveAdviceSettings();
  const perRun: { requests: number; busiestMinute: number; virtualMinutes: number; analysed: number; waiting: number }[] = [];
  try {
    for (let run = 0; run < MAX_RUNS; run++) {
      let clock = 0;
      const sentAt: number[] = [];
      const metered = meteredFetch(
        async (input, init) => {
          sentAt.push(clock);
          return fetch(input, init);
        },
        { budget: DEFAULT_REQUEST_BUDGET, perMinute: DEFAULT_REQUESTS_PER_MINUTE, now: () => clock, sleep: async (ms) => void (clock += ms) },
      );
      const api = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, fetch: metered.fetch, timeoutMs: 30_000 });
      const now = new Date(start.getTime() + run * 3_600_000);
      const result = await advise({ api, store, catalog: defaultCatalog, settings, now, requestBudget: DEFAULT_REQUEST_BUDGET, requestsSent: metered.sent });
      const busiestMinute = Math.max(...sentAt.map((at) => sentAt.filter((t) => t >= at && t < at + 60_000).length));
      perRun.push({ requests: metered.sent(), busiestMinute, virtualMinutes: clock / 60_000, analysed: result.metrics.analysed, waiting: result.metrics.waiting });
      if (result.metrics.waiting === 0) break;
    }
  } finally {
    await benchStore.close();
    await fake.close();
  }
  const runs = perRun.length;
  const maxRequests = Math.max(...perRun.map((r) => r.requests));
  const busiest = Math.max(...perRun.map((r) => r.busiestMinute));
  const covered = perRun.reduce((sum, r) => sum + r.analysed, 0);
  console.log(`account: ${DROPLETS} droplets (plus the restaurant seed's other resources)`);
  console.log(`per run: at most ${maxRequests} requests (budget ${DEFAULT_REQUEST_BUDGET}), busiest minute ${busiest} (cap ${DEFAULT_REQUESTS_PER_MINUTE}), about ${Math.max(...perRun.map((r) => r.virtualMinutes)).toFixed(1)} min of pacing`);
  console.log(`runs to full coverage: ${runs} (${covered} resources read once) → ${runs} h when advise runs hourly, ${runs} days when it runs daily`);
  console.log(`within budget: ${maxRequests <= DEFAULT_REQUEST_BUDGET ? "yes" : "NO"}; within the per-minute cap: ${busiest <= DEFAULT_REQUESTS_PER_MINUTE ? "yes" : "NO"}`);
  if (maxRequests > DEFAULT_REQUEST_BUDGET || busiest > DEFAULT_REQUESTS_PER_MINUTE || perRun[perRun.length - 1].waiting > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
