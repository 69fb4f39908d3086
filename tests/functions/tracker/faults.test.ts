/**
 * Faults, one hour at a time on the real Postgres: DigitalOcean answers 429 with retry-after,
 * 500 and a timeout (the run succeeds after retries), then truncated JSON and a page that
 * vanishes mid-pagination for longer than the retries last (the run fails with nothing
 * written), and the SMTP server rejects an email (retried by the next run). After each, the
 * next run catches up; no notification is lost or sent twice.
 */
import { DigitalOceanApiError } from "../../../functions/src/digitalocean/client";
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { handle, type TrackerDeps } from "../../../functions/src/tracker/handle";
import { generateDroplets, startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import { MONTH, RECIPIENTS, fakeClient, memoryLog, peerTransports, prepareAccount, scenarioConfig, setHour } from "./month-scenario";

jest.setTimeout(30_000);

let fake: FakeDigitalOcean;
let smtp: SmtpPeer;
let receiver: HttpReceiver;
let database: TestDatabase;
let db: SqlClient;
let closeSmtp: () => void;
let lines: ReturnType<typeof prepareAccount>;
let deps: (now: Date) => TrackerDeps;
const validationErrors: string[] = [];

beforeAll(async () => {
  [fake, smtp, receiver, database] = await Promise.all([startFakeDigitalOcean(), startSmtpPeer(), startHttpReceiver(), createTestDatabase(__filename)]);
  db = createPostgresClient({ connectionString: database.url });
  await CostStore.open(db);
  lines = prepareAccount(fake.state);
  // 450 more droplets make the droplet list three pages of 200, so a page can vanish.
  fake.state.droplets.push(...generateDroplets(450));
  // The 450 extra droplets are not on the scenario's invoice, so the forecast (which prices
  // listed resources too) would rightly fire; it is switched off to keep this file about faults.
  const scenario = scenarioConfig(receiver.baseUrl);
  const config = { ...scenario, forecast: { ...scenario.forecast, enabled: false } };
  const peer = peerTransports(smtp.url);
  closeSmtp = peer.close;
  const client = fakeClient(fake, { timeoutMs: 1_500, maxRetries: 3 });
  deps = (now) => ({ client, db, transports: peer.transports, now, config, log: memoryLog() });
  // One plain read first, so the fake's spec validators are compiled before any timeout is measured.
  setHour(fake.state, lines, new Date("2026-03-01T00:00:00Z"));
  await Promise.all([client.listDroplets(), client.getBalance(), client.listInvoiceItems("preview"), client.listVolumes()]);
  resetFake();
});

afterAll(async () => {
  closeSmtp?.();
  await db?.close();
  await database?.drop();
  await Promise.all([fake?.close(), smtp?.close(), receiver?.close()]);
});

/** Collects the fake's spec findings, then forgets faults and requests for the next step. */
function resetFake(): void {
  validationErrors.push(...fake.validationErrors);
  fake.reset();
}

async function tableCounts(): Promise<{ snapshots: number; history: number; resourceDays: number; events: number; outbox: number }> {
  const [row] = await db.query<{ snapshots: number; history: number; resourceDays: number; events: number; outbox: number }>(
    `SELECT (SELECT count(*)::int FROM spend_snapshots) AS snapshots, (SELECT count(*)::int FROM billing_history) AS history,
            (SELECT count(*)::int FROM resource_daily_cost) AS "resourceDays", (SELECT count(*)::int FROM alert_events) AS events,
            (SELECT count(*)::int FROM notification_outbox) AS outbox`,
  );
  return row!;
}

/** Runs `check` at `iso` with the fake billing that hour. */
async function checkAt(iso: string) {
  const now = new Date(iso);
  setHour(fake.state, lines, now);
  return handle("check", deps(now));
}

it("succeeds through a 429 with retry-after, a 500 and a timeout, retrying each request once", async () => {
  fake.injectFault({ kind: "429", path: "/v2/customers/my/balance", retryAfterSeconds: 1 });
  fake.injectFault({ kind: "500", path: "/v2/customers/my/invoices/preview" });
  fake.injectFault({ kind: "timeout", path: "/v2/volumes" });
  // 2026-03-02T00:00 is 24 h in: MTD ≈ $9.07, below every threshold.
  const result = await checkAt("2026-03-02T00:00:00Z");
  expect(result.task).toBe("check");
  const count = (path: string) => fake.requests.filter((request) => request.path === path).length;
  expect([count("/v2/customers/my/balance"), count("/v2/customers/my/invoices/preview"), count("/v2/volumes")]).toEqual([2, 2, 2]);
  expect(await tableCounts()).toMatchObject({ snapshots: 1, history: 2, events: 0 });
  resetFake();
});

it.each([
  ["truncated JSON on the invoice preview", { kind: "truncated-json" as const, path: "/v2/customers/my/invoices/preview" }, "2026-03-02T04:00:00Z"],
  ["a droplet page that disappears mid-pagination", { kind: "disappearing-page" as const, path: "/v2/droplets", page: 2 }, "2026-03-02T05:00:00Z"],
])("fails cleanly on %s that outlasts the retries, writing nothing", async (_label, fault, iso) => {
  const before = await tableCounts();
  fake.injectFault({ ...fault, times: Infinity });
  // At 04:00/05:00 MTD ≈ $10.6/$11.0 has crossed $10, but a failed run must not fire it.
  await expect(checkAt(iso)).rejects.toBeInstanceOf(DigitalOceanApiError);
  expect(await tableCounts()).toEqual(before);
  expect(smtp.messages).toHaveLength(0);
  resetFake();
});

it("catches up on the next run and retries an email the SMTP server rejected, sending it exactly once", async () => {
  smtp.rejectNext(1, 451, "4.3.0 mailbox busy, try later");
  const first = await checkAt("2026-03-02T06:00:00Z");
  expect(first.task === "check" && first.check.fired.thresholds).toEqual([`threshold:mtd-10:${MONTH}`]);
  const store = new CostStore(db);
  const [pending] = await store.listOutbox({ status: "pending" });
  expect(pending).toMatchObject({ destination: RECIPIENTS.t10, attempts: 1 });
  expect(pending!.lastError).toContain("451");
  // The history caught up too: the 2nd's row covers 00:00–06:00 despite the two failed hours.
  const [day2] = await store.listBillingHistory("2026-03-02", "2026-03-02");
  expect(day2!.monthToDateUsd).toBeCloseTo((254 * 30) / 672, 1);

  const second = await checkAt("2026-03-02T07:00:00Z");
  expect(second.task === "check" && second.check.fired.thresholds).toEqual([]);
  expect(second.task === "check" && second.check.delivery).toMatchObject({ delivered: 1, failed: 0, pending: 0 });
  expect(smtp.messages.flatMap((mail) => mail.to)).toEqual([RECIPIENTS.t10]);
  await checkAt("2026-03-02T08:00:00Z");
  expect(smtp.messages).toHaveLength(1);
  resetFake();
  expect(validationErrors).toEqual([]);
});
