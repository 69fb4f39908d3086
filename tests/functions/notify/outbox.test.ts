/**
 * Outbox delivery end to end: real Postgres store, real SMTP peer, local HTTP receivers.
 */
import { createSmtpTransport } from "../../../functions/src/notify/email";
import { DELIVERY_DEFAULTS, deliverPending, keyedNotifications, notificationsFor, retryDelayMs, type Transports } from "../../../functions/src/notify/outbox";
import { renderReport, renderThresholdCrossed } from "../../../functions/src/notify/render";
import { createSlackTransport } from "../../../functions/src/notify/slack";
import { createWebhookTransport } from "../../../functions/src/notify/webhook";
import { CostStore } from "../../../functions/src/store/cost-store";
import type { AlertRecipients } from "../../../functions/src/store/types";
import { slackShapeProblems, startHttpReceiver, type HttpReceiver } from "../../support/http-receiver";
import { startSmtpPeer, type SmtpPeer } from "../../support/smtp-peer";
import { openBackend, truncateTrackerTables, type BackendFixture } from "../store/backends";

const T0 = new Date("2026-11-27T06:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const MINUTE = 60_000;

describe("deliverPending", () => {
  let fixture: BackendFixture;
  let store: CostStore;
  let smtpPeer: SmtpPeer;
  let receiver: HttpReceiver;
  let smtp: ReturnType<typeof createSmtpTransport>;
  let transports: Transports;
  let recipients: AlertRecipients;

  beforeAll(async () => {
    fixture = await openBackend("postgres", __filename);
    store = await CostStore.open(fixture.client);
    smtpPeer = await startSmtpPeer();
    receiver = await startHttpReceiver();
    smtp = createSmtpTransport({ url: smtpPeer.url, from: "billing@example.com", timeoutMs: 5000 });
    transports = { email: smtp.send, slack: createSlackTransport(), webhook: createWebhookTransport() };
    recipients = {
      email: ["ops@example.com", "cfo@example.com"],
      slack: [{ channel: "#costs", url: `${receiver.baseUrl}/slack/T/B/X` }],
      webhook: [`${receiver.baseUrl}/hook`],
    };
  });
  afterAll(async () => {
    smtp.close();
    await Promise.all([smtpPeer.close(), receiver.close()]);
    await fixture.dispose();
  });
  beforeEach(async () => {
    await truncateTrackerTables(fixture.client);
    smtpPeer.messages.length = 0;
    receiver.requests.length = 0;
    receiver.delayAnswers(0);
  });

  async function fireThreshold(thresholdUsd: number): Promise<void> {
    const message = renderThresholdCrossed({ thresholdUsd, monthToDateUsd: thresholdUsd + 2.5, billingMonth: "2026-11" });
    await store.recordAlertEventOnce({
      alertKey: `threshold:mtd-${thresholdUsd}:2026-11`,
      billingMonth: "2026-11",
      firedAt: T0,
      payload: message.data,
      notifications: notificationsFor(recipients, message),
    });
  }

  it("delivers an alert to every recipient once, and a second run finds nothing to send", async () => {
    await fireThreshold(50);
    expect(await deliverPending(store, transports, T0)).toEqual({ delivered: 4, failed: 0, pending: 0 });

    expect(smtpPeer.messages.map((mail) => mail.to)).toEqual([["ops@example.com"], ["cfo@example.com"]]);
    expect(smtpPeer.messages.every((mail) => "text/plain" in mail.parts && "text/html" in mail.parts)).toBe(true);
    expect(receiver.requests.map((request) => request.path)).toEqual(["/slack/T/B/X", "/hook"]);
    expect(slackShapeProblems(receiver.requests[0]!.body)).toEqual([]);
    expect(receiver.requests[1]!.body).toMatchObject({ type: "threshold_crossed", thresholdUsd: 50, monthToDateUsd: 52.5 });

    expect(await deliverPending(store, transports, at(MINUTE))).toEqual({ delivered: 0, failed: 0, pending: 0 });
    expect(smtpPeer.messages).toHaveLength(2);
    expect(receiver.requests).toHaveLength(2);
  });

  it("retries an email the SMTP server rejected (451) on a later run, sending it exactly once", async () => {
    await store.enqueueNotifications(keyedNotifications("report:daily:2026-11-27", { email: ["ops@example.com"], slack: [], webhook: [] }, renderReport({ type: "daily_report", title: "Daily", summary: "s", sections: [] })), T0);
    smtpPeer.rejectNext(1, 451);

    expect(await deliverPending(store, transports, T0)).toEqual({ delivered: 0, failed: 1, pending: 1 });
    const [failed] = await store.listOutbox();
    expect(failed!.lastError).toMatch(/^SMTP delivery to ops@example.com failed: .*451/);
    // First retry: base delay 1 minute after the attempt.
    expect(failed!.nextAttemptAt).toEqual(at(DELIVERY_DEFAULTS.baseBackoffMs));

    expect(await deliverPending(store, transports, at(30_000))).toEqual({ delivered: 0, failed: 0, pending: 1 });
    expect(await deliverPending(store, transports, at(MINUTE))).toEqual({ delivered: 1, failed: 0, pending: 0 });
    expect(smtpPeer.messages).toHaveLength(1);
    expect((await store.listOutbox())[0]).toMatchObject({ status: "delivered", attempts: 2, lastError: null, deliveredAt: at(MINUTE) });
  });

  it("retries Slack after a 500 and delivers on the 200 that follows", async () => {
    await store.enqueueNotifications(keyedNotifications("report:weekly:2026-W48", { email: [], slack: recipients.slack, webhook: [] }, renderReport({ type: "weekly_report", title: "Weekly", summary: "s", sections: [] })), T0);
    receiver.failNext(1, 500);
    expect(await deliverPending(store, transports, T0)).toEqual({ delivered: 0, failed: 1, pending: 1 });
    expect((await store.listOutbox())[0]!.lastError).toBe("Slack answered 500: internal_error");
    expect(await deliverPending(store, transports, at(MINUTE))).toEqual({ delivered: 1, failed: 0, pending: 0 });
    expect(receiver.requests.map((request) => request.status)).toEqual([500, 200]);
  });

  it("never gives up: after many failures the row is still pending, its error visible, retried at the capped delay", async () => {
    await store.enqueueNotifications([{ dedupeKey: "k", channel: "webhook", destination: `${receiver.baseUrl}/down`, payload: { type: "x" } }], T0);
    let now = T0;
    let lastRun = T0;
    for (let attempt = 1; attempt <= 12; attempt++) {
      receiver.failNext(1, 503);
      expect(await deliverPending(store, transports, now)).toEqual({ delivered: 0, failed: 1, pending: 1 });
      lastRun = now;
      now = (await store.listOutbox())[0]!.nextAttemptAt;
    }
    const [row] = await store.listOutbox();
    expect(row).toMatchObject({ status: "pending", attempts: 12, lastError: "webhook answered 503: internal_error" });
    // Attempt 12 would wait 1 min × 2^11 = 2048 min; the default cap is 6 h = 360 min.
    expect(row!.nextAttemptAt.getTime() - lastRun.getTime()).toBe(6 * 60 * MINUTE);
  });

  it("keeps rows for a channel without a transport pending, saying why", async () => {
    await fireThreshold(10);
    expect(await deliverPending(store, { email: smtp.send }, T0)).toEqual({ delivered: 2, failed: 2, pending: 2 });
    const pending = await store.listOutbox({ status: "pending" });
    expect(pending.map((row) => row.lastError)).toEqual(["no transport configured for channel slack", "no transport configured for channel webhook"]);
  });

  it("never double-sends when several runs deliver at once (separate connections, slow receiver)", async () => {
    for (const threshold of [10, 50, 150, 200]) await fireThreshold(threshold);
    receiver.delayAnswers(50);
    const runners = [1, 2, 3, 4].map(() => new CostStore(fixture.connectAnother(2)));
    const results = await Promise.all(runners.map((runner) => deliverPending(runner, transports, T0, { batchSize: 3 })));
    // Each run claims at most 3 rows: 4 runs × 3 = 12 of the 16 (4 alerts × 4 recipients).
    expect(results.reduce((sum, result) => sum + result.delivered, 0)).toBe(12);
    await deliverPending(store, transports, T0);

    const sent = [
      ...smtpPeer.messages.map((mail) => `${mail.to[0]} ${mail.headers.subject}`),
      ...receiver.requests.map((request) => `${request.path} ${(request.body as { text?: string; title?: string }).text ?? (request.body as { title: string }).title}`),
    ];
    expect(sent).toHaveLength(16);
    expect(new Set(sent).size).toBe(16);
    expect(await store.outboxCounts()).toEqual({ pending: 0, delivered: 16 });
  });
});

describe("retryDelayMs", () => {
  it.each([
    // attempts, base, cap → base × 2^(attempts − 1), capped
    [1, 60_000, 3_600_000, 60_000],
    [2, 60_000, 3_600_000, 120_000],
    [6, 60_000, 3_600_000, 1_920_000],
    [7, 60_000, 3_600_000, 3_600_000], // 3,840,000 > cap
    [5000, 60_000, 3_600_000, 3_600_000], // huge exponents do not overflow to Infinity
  ])("attempt %i with base %i and cap %i waits %i ms", (attempts, base, cap, expected) => {
    expect(retryDelayMs(attempts, base, cap)).toBe(expected);
  });

  it("rejects a non-positive attempt count", () => {
    expect(() => retryDelayMs(0, 1, 1)).toThrow("attempts must be a positive integer (got 0)");
  });
});
