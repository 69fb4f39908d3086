/**
 * The notification outbox: alert events and reports enqueue rendered messages in the store
 * (in the same transaction as the event, see CostStore.recordAlertEventOnce); this module
 * delivers them and retries failures.
 *
 * Delivery guarantee: at least once, duplicate-free in normal operation. A run claims rows
 * with FOR UPDATE SKIP LOCKED and leases them (next_attempt_at moves to now + lease), so
 * concurrent runs never send the same row. The one duplicate window: if the process dies
 * after the channel accepted a message but before the row is marked delivered, the lease
 * expires and a later run sends it again. SMTP, Slack webhooks and plain webhooks have no
 * idempotency keys we could use to close that window; the webhook body carries `type` and
 * the event data so receivers can dedupe if they must.
 */
import { NO_DEADLINE, type RunDeadline } from "../../../core/deadline";
import { exponentialBackoffMs } from "../../../core/retry";
import type { CostStore } from "../store/cost-store";
import type { AlertRecipients, JsonObject, NotificationChannel, OutgoingNotification, QueuedNotification } from "../store/types";
import { renderEmail } from "./email";
import type { NotificationMessage } from "./message";
import { renderSlack } from "./slack";
import { renderWebhook } from "./webhook";

/** Sends one stored payload to one destination; throws on failure. */
export type Transport = (destination: string, payload: JsonObject) => Promise<void>;

/** The transport for each channel; a channel without one fails its rows (visibly) until configured. */
export type Transports = Partial<Record<NotificationChannel, Transport>>;

/** One outgoing notification per recipient, each rendered for its channel. */
export function notificationsFor(recipients: AlertRecipients, message: NotificationMessage): OutgoingNotification[] {
  const email = renderEmail(message);
  const slack = renderSlack(message);
  const webhook = renderWebhook(message);
  return [
    ...recipients.email.map((address): OutgoingNotification => ({ channel: "email", destination: address, payload: email })),
    ...recipients.slack.map((target): OutgoingNotification => ({ channel: "slack", destination: target.url, payload: slack })),
    ...recipients.webhook.map((url): OutgoingNotification => ({ channel: "webhook", destination: url, payload: webhook })),
  ];
}

/**
 * Notifications for something that is not an alert event (a daily or weekly report), keyed
 * `${key}:${channel}:${index}` so enqueueing the same report twice adds nothing.
 */
export function keyedNotifications(key: string, recipients: AlertRecipients, message: NotificationMessage): QueuedNotification[] {
  return notificationsFor(recipients, message).map((notification, index) => ({
    ...notification,
    dedupeKey: `${key}:${notification.channel}:${index}`,
  }));
}

/** Retry and batching knobs for deliverPending. */
export interface DeliveryOptions {
  /** Rows claimed per run. Default 50. */
  batchSize?: number;
  /** First retry delay; doubles per attempt. Default 1 minute. */
  baseBackoffMs?: number;
  /** Longest retry delay. Default 6 hours. */
  maxBackoffMs?: number;
  /** How long a claim hides a row from other runs; must exceed the slowest transport timeout. Default 10 minutes. */
  leaseMs?: number;
}

/**
 * Delivery defaults (engineering choice, 2026-11-27): the tracker runs every 15-60 minutes,
 * so a 1-minute first retry doubling to a 6-hour ceiling retries a Slack or SMTP outage a
 * dozen times in a day without hammering it; 10-minute leases are far above the 10-second
 * transport timeouts.
 */
export const DELIVERY_DEFAULTS: Required<DeliveryOptions> = {
  batchSize: 50,
  baseBackoffMs: 60_000,
  maxBackoffMs: 6 * 3_600_000,
  leaseMs: 10 * 60_000,
};

/** Delay before the next attempt after `attempts` failed ones: base × 2^(attempts−1), capped. */
export function retryDelayMs(attempts: number, baseBackoffMs: number, maxBackoffMs: number): number {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a positive integer (got ${attempts})`);
  return exponentialBackoffMs(baseBackoffMs, maxBackoffMs, attempts);
}

/** What one delivery run did. */
export interface DeliveryResult {
  delivered: number;
  failed: number;
  /** Rows still pending after this run (failed ones waiting to retry plus any not yet due). */
  pending: number;
}

const MAX_ERROR_CHARS = 1000;

/**
 * Claims due outbox rows, sends each through its channel's transport, and marks it delivered
 * or records the error with the next retry time. Rows are never dropped: after any number of
 * failures a row stays pending with `last_error` and `attempts` visible in the store.
 */
export async function deliverPending(store: CostStore, transports: Transports, now: Date, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const settings = { ...DELIVERY_DEFAULTS, ...options };
  const claimed = await store.claimDueNotifications(now, settings.batchSize, new Date(now.getTime() + settings.leaseMs));
  let delivered = 0;
  let failed = 0;
  for (const row of claimed) {
    const transport = transports[row.channel];
    try {
      if (transport === undefined) throw new Error(`no transport configured for channel ${row.channel}`);
      await transport(row.destination, row.payload);
    } catch (error) {
      failed++;
      const retryAt = new Date(now.getTime() + retryDelayMs(row.attempts, settings.baseBackoffMs, settings.maxBackoffMs));
      await store.markFailed(row.id, String((error as Error).message ?? error).slice(0, MAX_ERROR_CHARS), retryAt);
      continue;
    }
    delivered++;
    await store.markDelivered(row.id, now);
  }
  const { pending } = await store.outboxCounts();
  return { delivered, failed, pending };
}

/**
 * Delivers batch after batch until a batch comes back short (nothing more is due), starting a
 * batch only while `deadline` leaves `perBatchMs` (default: one 10 s transport timeout); what
 * is left stays pending for the next run. Totals over the batches; `pending` is the last count.
 */
export async function deliverAllPending(
  store: CostStore,
  transports: Transports,
  now: Date,
  options: DeliveryOptions = {},
  deadline: RunDeadline = NO_DEADLINE,
  perBatchMs = 10_000,
): Promise<DeliveryResult> {
  const batchSize = options.batchSize ?? DELIVERY_DEFAULTS.batchSize;
  const total: DeliveryResult = { delivered: 0, failed: 0, pending: 0 };
  let batches = 0;
  while (!deadline.passed() && deadline.allows(perBatchMs)) {
    const result = await deliverPending(store, transports, now, options);
    batches++;
    total.delivered += result.delivered;
    total.failed += result.failed;
    total.pending = result.pending;
    if (result.delivered + result.failed < batchSize) break;
  }
  // No time for a single batch: what waits is still worth reporting.
  if (batches === 0) total.pending = (await store.outboxCounts()).pending;
  return total;
}
