/**
 * Several `check` runs at the same instant against the real Postgres, each with its own
 * connection pool (as overlapping scheduled invocations would be): every alert fires once and
 * every notification is sent once, and the history is what one run alone would have written.
 */
import { CostStore } from "../../../functions/src/store/cost-store";
import { createPostgresClient } from "../../../functions/src/store/pg-client";
import type { SqlClient } from "../../../functions/src/store/sql-client";
import { handle } from "../../../functions/src/tracker/handle";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../support/fake-do-api";
import { startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { createTestDatabase, type TestDatabase } from "../../support/postgres";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import { JUMP_AT, MONTH, RECIPIENTS, fakeClient, memoryLog, peerTransports, prepareAccount, scenarioConfig, scenarioMtdUsd, setHour } from "./month-scenario";

jest.setTimeout(30_000);

const RUNS = 4;

let fake: FakeDigitalOcean;
let smtp: SmtpPeer;
let receiver: HttpReceiver;
let database: TestDatabase;
let clients: SqlClient[] = [];
let closeSmtp: () => void;

beforeAll(async () => {
  [fake, smtp, receiver, database] = await Promise.all([startFakeDigitalOcean(), startSmtpPeer(), startHttpReceiver(), createTestDatabase(__filename)]);
  clients = Array.from({ length: RUNS }, () => createPostgresClient({ connectionString: database.url }));
  await CostStore.open(clients[0]!);
});

afterAll(async () => {
  closeSmtp?.();
  await Promise.all(clients.map((client) => client.close()));
  await database?.drop();
  await Promise.all([fake?.close(), smtp?.close(), receiver?.close()]);
});

it(`${RUNS} simultaneous checks fire each threshold and the forecast once and send each notification once`, async () => {
  const lines = prepareAccount(fake.state);
  // At the jump MTD is ≈ $205: all four thresholds and the forecast are due in this one hour.
  const mtd = setHour(fake.state, lines, JUMP_AT);
  expect(mtd).toBe(scenarioMtdUsd(lines, JUMP_AT));
  expect(mtd).toBeGreaterThan(200);
  const config = scenarioConfig(receiver.baseUrl);
  const peer = peerTransports(smtp.url);
  closeSmtp = peer.close;
  const results = await Promise.all(
    clients.map((db) => handle("check", { client: fakeClient(fake), db, transports: peer.transports, now: JUMP_AT, config, log: memoryLog() })),
  );

  const firedPerRun = results.map((result) => (result.task === "check" ? [...result.check.fired.thresholds, result.check.fired.forecast].filter(Boolean) : []));
  const allFired = firedPerRun.flat().sort();
  expect(allFired).toEqual([`forecast:${MONTH}`, `threshold:mtd-10:${MONTH}`, `threshold:mtd-150:${MONTH}`, `threshold:mtd-200:${MONTH}`, `threshold:mtd-50:${MONTH}`]);

  const store = new CostStore(clients[0]!);
  expect((await store.listAlertEvents(MONTH)).length).toBe(5);
  // Recipients: t10 email; t50 webhook; t150 email + slack; t200 email + webhook; forecast email + slack = 8 rows.
  expect(await store.outboxCounts()).toEqual({ pending: 0, delivered: 8 });
  expect(smtp.messages.flatMap((mail) => mail.to).sort()).toEqual([RECIPIENTS.forecast, RECIPIENTS.t10, RECIPIENTS.t150, RECIPIENTS.t200].sort());
  expect(receiver.requests.map((request) => request.path).sort()).toEqual(["/slack/forecast", "/slack/t150", "/t200", "/t50"]);

  // The history of the runs together is one run's: March 1st to the 12th, adding up to the MTD.
  const history = await store.listBillingHistory("2026-03-01", "2026-03-31");
  expect(history).toHaveLength(12);
  expect(history.reduce((sum, day) => sum + Math.round(day.totalCostUsd * 100), 0)).toBe(Math.round(mtd * 100));
  expect(fake.validationErrors).toEqual([]);
});
