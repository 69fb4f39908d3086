/**
 * The advisor over the spec-validated fake and a real Postgres (issue 14, points 10 and 11):
 * load balancers judged and priced from the API's own `type`, `tag` and
 * `target_load_balancer_ids`, and snapshots kept on purpose — one clean-up took, one a person took
 * after a "snapshot, then destroy" suggestion — left alone until the retention has passed, even
 * after the suggestion itself is gone with its droplet.
 */
import { resolveAdviceSettings } from "../../../core/advice";
import { cleanupSnapshotName } from "../../../core/cleanup/snapshot-name";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import { TokenMeter } from "../../../functions/src/digitalocean/token-meter";
import type { LoadBalancer, MetricsResponse } from "../../../functions/src/digitalocean/types";
import { AdviceStore } from "../../../functions/src/store/advice-store";
import { migrate } from "../../../functions/src/store/migrations";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { advise } from "../../../functions/src/tracker/advise";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { ADVICE_IDS as ids, ADVICE_NOW, seedAdviceAccount } from "../../support/fake-do-api/advice-account";
import { nyc3, type FakeAccountState } from "../../support/fake-do-api/seed";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

const DAY_MS = 86_400_000;
const at = (days: number) => new Date(ADVICE_NOW.getTime() + days * DAY_MS);
const stamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");
const typePrice = (type: string) => catalog.loadBalancerType(type)!.monthlyUsd!;

const LB = {
  globalToRegional: "4de7ac8b-0000-4000-8000-0000000000c1",
  globalEmpty: "4de7ac8b-0000-4000-8000-0000000000c2",
  networkQuiet: "4de7ac8b-0000-4000-8000-0000000000c3",
  networkBusy: "4de7ac8b-0000-4000-8000-0000000000c4",
} as const;

function hourly(value: number): MetricsResponse["data"]["result"] {
  const end = Math.floor(ADVICE_NOW.getTime() / 1000);
  return [{ metric: {}, values: Array.from({ length: 15 * 24 + 1 }, (_, i) => [end - (15 * 24 - i) * 3600, String(value)]) }];
}

function loadBalancer(id: string, name: string, fields: Partial<LoadBalancer>): LoadBalancer {
  return { id, name, status: "active", created_at: stamp(at(-100)), forwarding_rules: [{ entry_protocol: "https", entry_port: 443, target_protocol: "http", target_port: 80 }], region: nyc3(), ...fields };
}

/** The advice account plus two GLOBAL and two REGIONAL_NETWORK load balancers, each case beside its twin. */
function seed(): FakeAccountState {
  const state = seedAdviceAccount();
  state.loadBalancers.push(
    // Forwards to the account's two regional load balancers, with traffic: not idle, though it names no droplet.
    loadBalancer(LB.globalToRegional, "edge-global", { type: "GLOBAL", droplet_ids: [], target_load_balancer_ids: [ids.quietLb, ids.edgeLb] }),
    // Forwards to nothing at all.
    loadBalancer(LB.globalEmpty, "forgotten-global", { type: "GLOBAL", droplet_ids: [] }),
    loadBalancer(LB.networkQuiet, "tcp-quiet", { type: "REGIONAL_NETWORK", size_unit: 2, droplet_ids: [ids.busyDroplet], forwarding_rules: [{ entry_protocol: "tcp", entry_port: 5432, target_protocol: "tcp", target_port: 5432 }] }),
    loadBalancer(LB.networkBusy, "tcp-busy", { type: "REGIONAL_NETWORK", size_unit: 2, droplet_ids: [ids.busyDroplet], forwarding_rules: [{ entry_protocol: "tcp", entry_port: 5432, target_protocol: "tcp", target_port: 5432 }] }),
  );
  const metrics = state.resourceMetrics!.loadBalancer!;
  metrics[LB.globalToRegional] = { frontend_connections_current: hourly(900) };
  metrics[LB.networkQuiet] = { frontend_connections_current: hourly(0) };
  metrics[LB.networkBusy] = { frontend_connections_current: hourly(350) };
  return state;
}

let fake: FakeDigitalOcean;
let database: TestDatabase;
let db: SqlClient;
let store: AdviceStore;

function run(now: Date) {
  const metered = new TokenMeter({ budget: 1_000, perMinute: 200, sleep: async () => undefined });
  const api = new DigitalOceanClient({ token: fake.token, baseUrl: fake.url, meter: metered, sleep: async () => undefined, random: () => 0, retryBaseDelayMs: 1, timeoutMs: 5_000, maxRetries: 1 });
  return advise({ api, store, catalog, settings: resolveAdviceSettings(), now, requests: metered });
}

beforeAll(async () => {
  database = await createTestDatabase(__filename);
  db = createPostgresClient({ connectionString: database.url });
  await migrate(db);
  store = new AdviceStore(db);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

beforeEach(async () => {
  for (const table of ["resource_states", "resource_utilisation", "advice_suggestions", "advised_snapshots"]) await db.query(`DELETE FROM ${table}`);
  fake = await startFakeDigitalOcean({ state: seed(), now: () => ADVICE_NOW });
});

afterEach(async () => {
  await fake.close();
});

it("judges and prices each load balancer by its type, tag and target load balancers", async () => {
  const result = await run(ADVICE_NOW);
  const idle = Object.fromEntries(result.suggestions.filter((s) => s.rule === "load-balancer-idle").map((s) => [s.resource.id, s.monthlySavingsUsd]));
  expect(idle).toEqual({
    [ids.emptyLb]: typePrice("REGIONAL"),
    [ids.quietLb]: 2 * typePrice("REGIONAL"),
    [LB.globalEmpty]: typePrice("GLOBAL"),
    [LB.networkQuiet]: 2 * typePrice("REGIONAL_NETWORK"),
  });
  expect(fake.validationErrors).toEqual([]);
});

it("leaves a snapshot taken after its snapshot-then-destroy advice, and clean-up's own, alone for the retention, then says how old and why", async () => {
  await run(at(-8));
  const advised = await run(ADVICE_NOW);
  const adviceId = `droplet-powered-off:droplet:${ids.offDroplet}`;
  expect(advised.suggestions.find((s) => s.id === adviceId)?.action).toBe("snapshot, then destroy");

  // The owner follows the advice: a snapshot an hour later, then the droplet destroyed. Clean-up
  // meanwhile left its own snapshot of a volume it deleted.
  fake.state.snapshots.push(
    { id: "2000010", name: "old-batch-final", created_at: stamp(new Date(ADVICE_NOW.getTime() + 3_600_000)), regions: ["nyc3"], min_disk_size: 80, size_gigabytes: 30, resource_id: String(ids.offDroplet), resource_type: "droplet", tags: null },
    { id: "2000011", name: cleanupSnapshotName("migration-scratch", "2026-11-01"), created_at: stamp(at(-5)), regions: ["nyc3"], min_disk_size: 100, size_gigabytes: 25, resource_id: "6b5f4a3e-0000-4000-8000-00000000a0ff", resource_type: "volume", tags: null },
    // Their twin: an ordinary snapshot of a deleted volume, reported at once.
    { id: "2000012", name: "scratch-copy", created_at: stamp(at(-5)), regions: ["nyc3"], min_disk_size: 100, size_gigabytes: 25, resource_id: "6b5f4a3e-0000-4000-8000-00000000a0ff", resource_type: "volume", tags: null },
  );
  const offDroplet = fake.state.droplets.findIndex((d) => d.id === ids.offDroplet);
  fake.state.droplets.splice(offDroplet, 1);

  const nextDay = await run(at(1));
  const old = (result: typeof nextDay) => Object.fromEntries(result.suggestions.filter((s) => s.rule === "snapshot-old").map((s) => [s.resource.id, s.reason]));
  expect(nextDay.suggestions.find((s) => s.id === adviceId)).toBeUndefined();
  expect(Object.keys(old(nextDay)).sort()).toEqual(["2000001", "2000002", "2000012"]);

  // A month later, with the suggestion long gone, the store still knows why the snapshot exists.
  const monthLater = await run(at(31.5));
  const reasons = old(monthLater);
  expect(reasons["2000010"]).toBe(
    `taken after the advice to snapshot, then remove its droplet (suggestion ${adviceId}, first given 2026-11-29) 31 days ago, kept 30 days on purpose (now past); ` +
      `its droplet ${ids.offDroplet} no longer exists; 30 GiB costs $${(30 * catalog.data.snapshots.usdPerGiBMonth).toFixed(2)}/month`,
  );
  expect(reasons["2000011"]).toMatch(/^taken by clean-up before removing its volume 36 days ago, kept 30 days on purpose \(now past\); its volume 6b5f4a3e-0000-4000-8000-00000000a0ff no longer exists/);
  expect(fake.validationErrors).toEqual([]);
});
