/**
 * The savings advisor over the spec-validated fake and a real Postgres: every case of the
 * advice account is found with the catalog's saving and none of the twins; the request budget
 * holds, counted on the wire; coverage accumulates over runs; a dismissal lasts until the
 * evidence changes.
 */
import { resolveAdviceSettings } from "../../../core/advice";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { TokenMeter } from "../../../functions/src/digitalocean/token-meter";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { migrate } from "../../../functions/src/store/migrations";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { advise } from "../../../functions/src/tracker/advise";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { ADVICE_IDS as ids, ADVICE_NOW, seedAdviceAccount } from "../../support/fake-do-api/advice-account";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

let fake: FakeDigitalOcean;
let database: TestDatabase;
let db: SqlClient;
let store: AdviceStore;

const WEEK_AND_A_DAY_MS = 8 * 86_400_000;
const settings = resolveAdviceSettings();

function run(now: Date, budget = 1_000) {
  const metered = new TokenMeter({ budget, perMinute: 200, sleep: async () => undefined });
  const api = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, meter: metered, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 5_000, maxRetries: 1 });
  return { metered, result: advise({ api, store, catalog, settings, now, requests: metered }) };
}

beforeAll(async () => {
  [fake, database] = await Promise.all([startFakeDigitalOcean({ state: seedAdviceAccount(), now: () => ADVICE_NOW }), createTestDatabase(__filename)]);
  db = createPostgresClient({ connectionString: database.url });
  await migrate(db);
  store = new AdviceStore(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await fake?.close();
});

beforeEach(async () => {
  for (const table of ["resource_states", "resource_utilisation", "advice_suggestions"]) await db.query(`DELETE FROM ${table}`);
  fake.reset();
});

const droplet = (slug: string) => catalog.dropletSize(slug)!.monthlyUsd;
const { snapshots, volumes, reservedIps } = catalog.data;
const cents = (usd: number) => Math.round(usd * 100) / 100;

describe("advise", () => {
  it("finds every case a week after first seeing the account, with the catalog's savings, and none of the twins", async () => {
    const first = await run(new Date(ADVICE_NOW.getTime() - WEEK_AND_A_DAY_MS)).result;
    // On the first sighting nothing has been off or unattached long enough to claim it.
    expect(first.suggestions.map((s) => s.rule)).not.toContain("droplet-powered-off");
    expect(first.suggestions.map((s) => s.rule)).not.toContain("volume-unattached");

    const { result } = run(ADVICE_NOW);
    const found = await result;
    const byResource = Object.fromEntries(found.suggestions.map((s) => [`${s.rule} ${s.resource.id}`, s.monthlySavingsUsd]));
    const mysqlNode = (slug: string) => catalog.databaseSize("mysql", slug)!.monthlyUsdPerNode;
    expect(byResource).toEqual({
      [`droplet-powered-off ${ids.offDroplet}`]: cents(droplet("s-2vcpu-4gb") - 80 * snapshots.usdPerGiBMonth),
      [`droplet-idle-downsize ${ids.idleDroplet}`]: cents(droplet("s-4vcpu-8gb") - droplet("s-1vcpu-2gb")),
      [`volume-unattached ${ids.oldVolume}`]: cents(100 * (volumes.usdPerGiBMonth - snapshots.usdPerGiBMonth)),
      [`volume-unattached ${ids.expiredVolume}`]: cents(100 * (volumes.usdPerGiBMonth - snapshots.usdPerGiBMonth)),
      "reserved-ip-unassigned 127.0.0.21": cents(reservedIps.unassignedMonthlyUsd),
      "snapshot-old 2000001": cents(40 * snapshots.usdPerGiBMonth),
      "snapshot-old 2000002": cents(20 * snapshots.usdPerGiBMonth),
      [`load-balancer-idle ${ids.emptyLb}`]: cents(catalog.loadBalancerType("REGIONAL")!.monthlyUsd!),
      [`load-balancer-idle ${ids.quietLb}`]: cents(2 * catalog.loadBalancerType("REGIONAL")!.monthlyUsd!),
      [`database-oversized ${ids.reportsDb}`]: cents(2 * (mysqlNode("db-s-4vcpu-8gb") - mysqlNode("db-s-2vcpu-4gb"))),
      [`untagged ${ids.untaggedDroplet}`]: null,
    });
    const known = found.suggestions.map((s) => s.monthlySavingsUsd ?? 0);
    expect(found.totalMonthlySavingsUsd).toBeCloseTo(known.reduce((a, b) => a + b, 0), 2);
    expect(fake.validationErrors).toEqual([]);
    // Read-only: the advisor never writes.
    expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("spends at most its budget, counted on the wire, and covers the rest in the next run", async () => {
    // 8 inventory requests, then 90% of the budget for metrics: 19 of the 31 the account's metrics cost.
    const budget = 30;
    const first = run(ADVICE_NOW, budget);
    const one = await first.result;
    expect(first.metered.sent()).toBeLessThanOrEqual(budget);
    expect(fake.requests.length).toBe(first.metered.sent());
    expect(one.metrics.waiting).toBeGreaterThan(0);
    const analysedFirst = new Set([...(await store.utilisation("droplet")).keys(), ...(await store.utilisation("loadBalancer")).keys(), ...(await store.utilisation("database")).keys()]);

    fake.reset();
    const second = run(new Date(ADVICE_NOW.getTime() + 3_600_000), budget);
    const two = await second.result;
    expect(second.metered.sent()).toBeLessThanOrEqual(budget);
    expect(two.metrics.waiting).toBe(0);
    // The second run fetched only what the first could not afford.
    const metricPaths = fake.requests.filter((r) => r.path.startsWith("/v2/monitoring/")).map((r) => r.query.host_id ?? r.query.lb_id ?? r.query.db_id);
    for (const id of metricPaths) expect(analysedFirst.has(id)).toBe(false);
    expect(one.metrics.analysed + two.metrics.analysed).toBe(6 + 3 + 2);
  });

  it("ends its reading with a saved, partial result when retries spend the budget, and never sends past it; the next run continues", async () => {
    // 8 inventory requests, then 16 metric requests planned (2 databases, 3 droplets) of the 19 that 90% of 30 leaves;
    // eight 503s cost eight retries, more than the 6 left: the 31st attempt is refused, not sent.
    fake.injectFault({ kind: "503", path: /^\/v2\/monitoring\//, times: 8 });
    const metered = new TokenMeter({ budget: 30, perMinute: 200, sleep: async () => undefined });
    const api = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, meter: metered, sleep: async () => undefined, random: () => 0, timeoutMs: 5_000, maxRetries: 8 });
    const one = await advise({ api, store, catalog, settings, now: ADVICE_NOW, requests: metered });
    expect(one.metrics.stopped).toBe("budget");
    expect(one.metrics.analysed).toBeGreaterThan(0);
    expect(one.metrics.waiting).toBeGreaterThan(0);
    expect(metered.sent()).toBe(30);
    expect(fake.requests).toHaveLength(30);
    const saved = async () => [...(await store.utilisation("droplet")).keys(), ...(await store.utilisation("loadBalancer")).keys(), ...(await store.utilisation("database")).keys()];
    const afterFirst = await saved();
    expect(afterFirst).toHaveLength(one.metrics.analysed);
    // The suggestions were still made, from what was read.
    expect(one.suggestions.length).toBeGreaterThan(0);

    fake.reset();
    const two = await run(new Date(ADVICE_NOW.getTime() + 3_600_000)).result;
    expect(two.metrics).toMatchObject({ waiting: 0, analysed: 11 - one.metrics.analysed });
    expect(await saved()).toHaveLength(11);
  });

  it("keeps a dismissed suggestion hidden until its evidence changes", async () => {
    await run(ADVICE_NOW).result;
    const id = `snapshot-old:snapshot:2000001`;
    expect(await store.dismissSuggestion(id)).toBe(true);
    expect(await store.dismissSuggestion("no-such-suggestion")).toBe(false);
    let again = await run(new Date(ADVICE_NOW.getTime() + 3_600_000)).result;
    expect(again.suggestions.find((s) => s.id === id)).toMatchObject({ dismissed: true });

    const snapshot = fake.state.snapshots.find((s) => s.id === "2000001")!;
    snapshot.size_gigabytes = 55;
    again = await run(new Date(ADVICE_NOW.getTime() + 7_200_000)).result;
    expect(again.suggestions.find((s) => s.id === id)).toMatchObject({ dismissed: false, monthlySavingsUsd: cents(55 * snapshots.usdPerGiBMonth) });
    snapshot.size_gigabytes = 40;
  });
});
