/**
 * Shared by the dashboard's HTTP and browser tests: a throw-away Postgres database seeded with
 * 70 days of history, a balance check, alerts and alert events, and the handler served by a
 * tiny local `http` adapter on 127.0.0.1 (standing in for DigitalOcean's web-action gateway).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { addDays } from "../../../core/calendar";
import { sumUsd } from "../../../core/money";
import { MAX_REQUEST_BODY_BYTES } from "../../../functions/src/dashboard/body-limit";
import { handleDashboardRequest, type DashboardDeps } from "../../../functions/src/dashboard/handle";
import type { Suggestion } from "../../../core/advice";
import { NOTICE_STEP, PREVIEW_NOTICE_STEP } from "../../../core/cleanup/states";
import type { StackReconciliation } from "../../../core/calibration";
import { AdviceStore, type CleanupMarkInput } from "../../../functions/src/store/advice-store";
import { CalibrationStore } from "../../../functions/src/store/calibration-store";
import { CostStore, type AlertEventInput } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { BillingHistoryDay } from "../../../functions/src/store/types";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";

/** The fixed clock of every dashboard test: mid-afternoon on 20 November 2026. */
export const NOW = new Date("2026-11-20T15:00:00Z");
export const USERNAME = "do-cost-guard";
export const PASSWORD = "correct-horse-battery-staple";
export const BUDGET_USD = 300;
/** Seeded history: 70 days ending yesterday (2026-09-11 … 2026-11-19). */
export const FIRST_DAY = "2026-09-11";
export const LAST_DAY = "2026-11-19";
/** A project name that would run script if the page did not escape it. */
export const HOSTILE_PROJECT = `<script>alert("x")</script>`;
/** In config and synced into the store as source 'config'. */
export const STORED_CONFIG_THRESHOLD = { id: "mtd-50", amountUsd: 50 };
/** In the tracker config passed to the handler but not (yet) synced into the store. */
export const UNSYNCED_CONFIG_THRESHOLD = { id: "mtd-150", amountUsd: 150 };

/** Two reconciled months of one stack: the page shows the newer (October) only. */
export const SEEDED_STACK_MONTHS: StackReconciliation[] = [
  { stackTag: "stack:restaurant-platform-prod", billingMonth: "2026-09", estimatedUsd: 139.4, billedUsd: 139.4, differenceUsd: 0, unplannedBilledUsd: 0, resources: [] },
  {
    stackTag: "stack:restaurant-platform-prod",
    billingMonth: "2026-10",
    estimatedUsd: 139.4,
    billedUsd: 142.6,
    differenceUsd: 3.2,
    unplannedBilledUsd: 6,
    resources: [
      { urn: "urn:pulumi:prod::restaurant-platform::digitalocean:index/droplet:Droplet::ticket-printer", name: "ticket-printer", type: "digitalocean:index/droplet:Droplet", status: "billed", resourceKeys: ["101"], estimatedUsd: 14.4, billedUsd: 17.6, differenceUsd: 3.2, parts: [], explanations: ["bandwidth overage: billed $3.20, estimated as usage"] },
      { urn: "urn:pulumi:prod::restaurant-platform::digitalocean:index/databaseCluster:DatabaseCluster::orders-db", name: "orders-db", type: "digitalocean:index/databaseCluster:DatabaseCluster", status: "billed", resourceKeys: ["db"], estimatedUsd: 120, billedUsd: 120, differenceUsd: 0, parts: [], explanations: [] },
    ],
  },
];

const APP_ID = "c2a93513-8d9b-4223-9d61-5e7272c81cf5";

/** A memory incident of the app `shop-web` and its recovery, plus the tracker's carry row (not an alert). */
export const SEEDED_APP_EVENTS: Omit<AlertEventInput, "notifications">[] = [
  {
    alertKey: `app-memory:${APP_ID}:2026-11-12T16:20:00.000Z`,
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-12T17:00:00Z"),
    payload: { kind: "app-memory-high", appId: APP_ID, app: "shop-web", incidentStart: "2026-11-12T16:20:00.000Z", thresholdPercent: 80, window: "1h", peakPercent: 93.4 },
  },
  {
    alertKey: `app-memory-recovered:${APP_ID}:2026-11-12T16:20:00.000Z`,
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-13T02:00:00Z"),
    payload: { kind: "app-memory-recovered", appId: APP_ID, app: "shop-web", incidentStart: "2026-11-12T16:20:00.000Z", recoveredAt: "2026-11-13T01:35:00.000Z" },
  },
  {
    alertKey: `app-memory-open:${APP_ID}:2026-10-31T22:00:00.000Z`,
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-01T00:00:00Z"),
    payload: { kind: "app-memory-open", appId: APP_ID, incidentStart: "2026-10-31T22:00:00.000Z" },
  },
];

/**
 * The unit count as the daily runs read it at 07:00: 70 active restaurants from 1 November,
 * none read on the 5th, the source failing on the 6th, 75 on the 19th and 80 today.
 */
export const SEEDED_UNIT_COUNTS = Array.from({ length: 20 }, (_, i) => i + 1)
  .filter((day) => day !== 5)
  .map((day) => ({
    readAt: new Date(`2026-11-${String(day).padStart(2, "0")}T07:00:00Z`),
    unitName: "active restaurant",
    units: day === 6 ? null : day === 19 ? 75 : day === 20 ? 80 : 70,
    sourceKind: "url" as const,
  }));

/** What the last advise run found: two savings (the page shows $31.20/month) and two untagged droplets: a key missing, a value not allowed. */
export const SEEDED_SUGGESTIONS: Suggestion[] = [
  { id: "droplet-powered-off:droplet:101", rule: "droplet-powered-off", resource: { kind: "droplet", id: "101", name: "old-batch" }, action: "snapshot, then destroy", reason: "off for 10 days", monthlySavingsUsd: 19.2, evidence: { sizeSlug: "s-2vcpu-4gb" } },
  { id: "load-balancer-idle:loadBalancer:lb-1", rule: "load-balancer-idle", resource: { kind: "loadBalancer", id: "lb-1", name: "old-lb" }, action: "delete", reason: "forwards to no droplet", monthlySavingsUsd: 12, evidence: { targets: 0 } },
  { id: "untagged:droplet:107", rule: "untagged", resource: { kind: "droplet", id: "107", name: "console-made" }, action: "tag it: owner:<owner>", reason: "missing owner", monthlySavingsUsd: null, evidence: { missingKeys: ["owner"], disallowed: [] } },
  {
    id: "untagged:droplet:108",
    rule: "untagged",
    resource: { kind: "droplet", id: "108", name: "wrong-env" },
    action: "tag it: env:<prod|dev>",
    reason: "env:staging is not one of prod, dev",
    monthlySavingsUsd: null,
    evidence: { missingKeys: [], disallowed: [{ key: "env", value: "staging", allowed: ["prod", "dev"] }] },
  },
];

/**
 * What clean-up has marked by NOW (20 Nov), each with the notice (or preview) the outbox
 * delivered and when; grace 2 days. The store moves `old-data` on to `due` (notice 17 Nov,
 * expired 18 Nov: acts on 20 Nov) without another run.
 */
export const SEEDED_CLEANUP: { mark: CleanupMarkInput; delivered?: { step: typeof NOTICE_STEP | typeof PREVIEW_NOTICE_STEP; on: Date } }[] = [
  {
    mark: { resource: { kind: "volume", id: "vol-1", name: "old-data" }, state: "notice-delivered", expires: "2026-11-18", action: "snapshot-then-delete", reason: "expired 2026-11-18; notice sent 2026-11-17, acts on 2026-11-20" },
    delivered: { step: NOTICE_STEP, on: new Date("2026-11-17T07:01:00Z") },
  },
  {
    mark: { resource: { kind: "droplet", id: "201", name: "staging-box" }, state: "notice-delivered", expires: "2026-11-22", action: "snapshot-then-destroy", reason: "expires 2026-11-22; notice sent 2026-11-19, acts on 2026-11-24" },
    delivered: { step: NOTICE_STEP, on: new Date("2026-11-19T07:01:00Z") },
  },
  {
    mark: { resource: { kind: "droplet", id: "202", name: "sales-demo" }, state: "marked", expires: "2026-11-23", action: "power-off", reason: "expires 2026-11-23; preview queued (it does not count as the notice before an act)" },
    delivered: { step: PREVIEW_NOTICE_STEP, on: new Date("2026-11-20T07:01:00Z") },
  },
  { mark: { resource: { kind: "snapshot", id: "snap-9", name: "pre-upgrade" }, state: "marked", expires: "2026-12-15", action: "delete", reason: "expires 2026-12-15; the notice goes out from 2026-12-12" } },
  {
    mark: { resource: { kind: "volume", id: "vol-2", name: "attached-logs" }, state: "needs-attention", expires: "2026-11-10", action: "snapshot-then-delete", reason: "expired 2026-11-10; refused after the snapshot: 409 conflict; snapshot snap-77 kept; not retried" },
    delivered: { step: NOTICE_STEP, on: new Date("2026-11-09T07:01:00Z") },
  },
  { mark: { resource: { kind: "droplet", id: "203", name: "keep-me" }, state: "skipped", expires: "2026-11-01", action: null, reason: "tagged protected" } },
];

/** Queues and delivers each seeded notice on its day, then records the marks as the 20 Nov run saw them. */
async function seedCleanup(advice: AdviceStore, outbox: CostStore): Promise<void> {
  for (const { mark, delivered } of SEEDED_CLEANUP) {
    if (!delivered || !mark.expires) continue;
    const { kind, id, name } = mark.resource;
    const notification = { channel: "webhook" as const, destination: "http://127.0.0.1:9/cleanup", payload: { id }, dedupeKey: `cleanup-${delivered.step}:${kind}:${id}:${mark.expires}` };
    await advice.queueCleanupNotice({ resourceKind: kind, resourceId: id, resourceName: name, step: delivered.step, expires: mark.expires }, [notification], delivered.on);
    for (const row of await outbox.claimDueNotifications(delivered.on, 10, new Date(delivered.on.getTime() + 60_000))) await outbox.markDelivered(row.id, delivered.on);
  }
  await advice.recordCleanupMarks(
    SEEDED_CLEANUP.map((seed) => seed.mark),
    2,
    new Date("2026-11-20T07:00:00Z"),
  );
}

/** From this day on the droplets carry `team:shop` (the tag key appears partway through November). */
export const TEAM_TAG_FROM = "2026-11-10";

/**
 * Day i of the seed (0 = FIRST_DAY): Droplets $4.00 flat, Managed Databases $2.50 flat,
 * Spaces $0.50 + $0.10 × (i mod 7), Bandwidth $0.05 × (i mod 3). Projects split it: "shop"
 * gets the droplets, "api" the database, HOSTILE_PROJECT the rest. Everything is `env:prod`;
 * from {@link TEAM_TAG_FROM} the droplets are `team:shop` too and the rest lacks a team.
 */
export function seededDays(): BillingHistoryDay[] {
  const days: BillingHistoryDay[] = [];
  let monthToDate = 0;
  for (let i = 0, date = FIRST_DAY; date <= LAST_DAY; i++, date = addDays(date, 1)) {
    const spaces = sumUsd([0.5, 0.1 * (i % 7)]);
    const bandwidth = sumUsd([0.05 * (i % 3)]);
    const total = sumUsd([4, 2.5, spaces, bandwidth]);
    monthToDate = date.endsWith("-01") ? total : sumUsd([monthToDate, total]);
    const costByService: Record<string, number> = { Droplets: 4, "Managed Databases": 2.5, Spaces: spaces };
    if (bandwidth > 0) costByService.Bandwidth = bandwidth;
    days.push({
      date,
      totalCostUsd: total,
      monthToDateUsd: monthToDate,
      costByService,
      costByProject: { shop: 4, api: 2.5, [HOSTILE_PROJECT]: sumUsd([spaces, bandwidth]) },
      costByTag: date >= TEAM_TAG_FROM ? { "env:prod": total, "team:shop": 4, "team:(untagged)": sumUsd([total, -4]) } : { "env:prod": total },
    });
  }
  return days;
}

/** The seed's month to date at NOW: the sum of 1–19 November. */
export function seededMonthToDate(): number {
  return sumUsd(seededDays().filter((d) => d.date >= "2026-11-01").map((d) => d.totalCostUsd));
}

export interface DashboardFixture {
  database: TestDatabase;
  store: CostStore;
  /** The savings advisor's store, seeded with {@link SEEDED_SUGGESTIONS}. */
  advice: AdviceStore;
  server: Server;
  baseUrl: string;
  deps: DashboardDeps;
  /** Lines the handler logged (store failures). */
  logged: string[];
  close(): Promise<void>;
}

/**
 * The body, but never more than `limit` + 1 bytes of it: enough for the handler to see that it
 * is over the cap and answer 413, without the server buffering what an abusive client sends.
 * The rest is read and dropped so the client gets to read the answer.
 */
async function readBodyUpTo(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of request) {
    if (kept > limit) continue;
    const piece = (chunk as Buffer).subarray(0, limit + 1 - kept);
    chunks.push(piece);
    kept += piece.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Serves `handleDashboardRequest` with `depsFor()`'s deps on 127.0.0.1, port chosen by the OS. */
export async function serveDashboard(depsFor: () => DashboardDeps): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      const body = await readBodyUpTo(request, MAX_REQUEST_BODY_BYTES);
      const answer = await handleDashboardRequest(
        { method: request.method ?? "GET", path: url.pathname, headers, query: Object.fromEntries(url.searchParams), body: body === "" ? undefined : body },
        depsFor(),
      );
      response.writeHead(answer.statusCode, answer.headers).end(answer.body);
    })().catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  // Longer than fetch's own 4 s idle limit, so the client always drops an idle connection first:
  // with Node's 5 s default, a test pausing ~5 s (building 200,000 keys on a busy machine) could
  // send its body down a socket the server was closing that instant (ECONNRESET).
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Creates and seeds a database, then serves the dashboard over it. */
export async function startDashboard(testFile: string): Promise<DashboardFixture> {
  const database = await createTestDatabase(testFile);
  const client = createPostgresClient({ connectionString: database.url, maxConnections: 3 });
  const store = await CostStore.open(client);
  const advice = new AdviceStore(client);
  await advice.replaceSuggestions(SEEDED_SUGGESTIONS, new Date("2026-11-20T07:00:00Z"));
  const calibration = new CalibrationStore(client);
  for (const month of SEEDED_STACK_MONTHS) await calibration.saveStackReconciliation(month, new Date("2026-11-02T07:00:00Z"));
  await store.upsertBillingHistory(seededDays());
  await store.insertSpendSnapshot({
    takenAt: new Date("2026-11-20T14:00:00Z"),
    source: "balance" as const,
    monthToDateUsd: seededMonthToDate(),
    accountBalanceUsd: 0,
    generatedAt: new Date("2026-11-20T13:58:00Z"),
    invoicePreviewUsd: null,
  });
  const recipients = { email: ["ops@example.com"], slack: [{ channel: "#billing", url: "https://hooks.slack.com/services/T000/B000/SECRETSECRET" }], webhook: [] };
  await store.syncConfigAlerts([{ id: STORED_CONFIG_THRESHOLD.id, kind: "threshold", thresholdUsd: STORED_CONFIG_THRESHOLD.amountUsd, recipients, enabled: true }]);
  await store.recordAlertEventOnce({
    alertKey: "threshold:mtd-50:2026-11",
    billingMonth: "2026-11",
    firedAt: new Date("2026-11-08T09:00:00Z"),
    payload: { kind: "threshold", thresholdUsd: 50, monthToDateUsd: 53.2 },
    notifications: [],
    alertId: STORED_CONFIG_THRESHOLD.id,
  });
  await store.recordAlertEventOnce({
    alertKey: "spike:Spaces:2026-10-30",
    billingMonth: "2026-10",
    firedAt: new Date("2026-10-31T01:00:00Z"),
    payload: { kind: "spike", service: "Spaces", date: "2026-10-30", usd: 1.1, baselineUsd: 0.8 },
    notifications: [],
  });
  // A config threshold the store does not hold, fired last month: only alert_events knows.
  await store.recordAlertEventOnce({
    alertKey: "threshold:mtd-150:2026-10",
    billingMonth: "2026-10",
    firedAt: new Date("2026-10-24T09:00:00Z"),
    payload: { kind: "threshold", thresholdUsd: 150, monthToDateUsd: 151.3 },
    notifications: [],
  });
  for (const event of SEEDED_APP_EVENTS) await store.recordAlertEventOnce({ ...event, notifications: [] });
  for (const reading of SEEDED_UNIT_COUNTS) await store.recordUnitCount(reading);
  await seedCleanup(advice, store);
  const logged: string[] = [];
  const deps: DashboardDeps = {
    store,
    auth: { username: USERNAME, password: PASSWORD },
    now: NOW,
    budgetMonthlyUsd: BUDGET_USD,
    configThresholds: [STORED_CONFIG_THRESHOLD, UNSYNCED_CONFIG_THRESHOLD],
    advice,
    calibration,
    cleanup: advice,
    cleanupMode: { enabled: true, apply: true },
    log: (line) => logged.push(line),
  };
  const { server, baseUrl } = await serveDashboard(() => deps);
  return {
    database,
    store,
    advice,
    server,
    baseUrl,
    deps,
    logged,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await database.drop();
    },
  };
}

/** A signed-in GET of the fixture's dashboard: the status, the text, and the JSON when it is JSON. */
export async function signedInGet(fixture: DashboardFixture, path: string): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(`${fixture.baseUrl}${path}`, { headers: { Authorization: basic(USERNAME, PASSWORD) } });
  const text = await response.text();
  return { status: response.status, text, body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined };
}

/** `Authorization: Basic …` for the given credentials. */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}
