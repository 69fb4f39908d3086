/**
 * `npm run tracker -- test-notify`: one clearly marked test message to every recipient the
 * tracker config names, sent now (not through the outbox) so a team that just set up the
 * tracker sees at once which email address, Slack channel or webhook is reachable. Each
 * recipient is tried on its own: one failure never stops the others. Reports name a Slack
 * recipient by its channel and a webhook by its origin, because both URLs carry their secret
 * in the path.
 */
import type { AlertRecipients, JsonObject, NotificationChannel } from "../store/types";
import { renderEmail } from "./email";
import type { NotificationMessage } from "./message";
import type { Transports } from "./outbox";
import { renderSlack } from "./slack";
import { renderWebhook } from "./webhook";

/** The parts of the tracker config that hold recipients (structurally, the tracker's `TrackerConfig`). */
export interface RecipientSections {
  thresholds: readonly { recipients: AlertRecipients }[];
  forecast: { recipients: AlertRecipients };
  spikes: { recipients: AlertRecipients };
  reports: { daily: { recipients: AlertRecipients }; weekly: { recipients: AlertRecipients } };
  apps: readonly { recipients: AlertRecipients }[];
  /** The default audience: calibration drift and clean-up notices go here. */
  recipients: AlertRecipients;
  dashboardUrl?: string;
}

/** One distinct destination, with a label safe to print. */
export interface TestRecipient {
  channel: NotificationChannel;
  /** An email address, a Slack channel, or a webhook's origin followed by `/…`. */
  label: string;
  /** Where the transport sends: address or URL. Never printed. */
  destination: string;
}

/** What happened to one recipient. */
export type TestDelivery = TestRecipient & ({ delivered: true } | { delivered: false; error: string });

/** Longest error text kept per recipient; a receiver's answer body can be long. */
const MAX_ERROR_CHARS = 300;

/**
 * Every distinct recipient of the config (thresholds, forecast, spikes, reports, app watches,
 * the default audience;
 * enabled or not, since switching a section on should not reveal a broken address), email
 * first, then Slack, then webhooks, each in first-mentioned order. The same destination used
 * by several sections is sent one message.
 */
export function configuredRecipients(config: RecipientSections): TestRecipient[] {
  const lists = [
    ...config.thresholds.map((threshold) => threshold.recipients),
    config.forecast.recipients,
    config.spikes.recipients,
    config.reports.daily.recipients,
    config.reports.weekly.recipients,
    ...config.apps.map((app) => app.recipients),
    config.recipients,
  ];
  const byChannel: Record<NotificationChannel, Map<string, string>> = { email: new Map(), slack: new Map(), webhook: new Map() };
  for (const list of lists) {
    for (const address of list.email) if (!byChannel.email.has(address)) byChannel.email.set(address, address);
    for (const { channel, url } of list.slack) if (!byChannel.slack.has(url)) byChannel.slack.set(url, channel);
    for (const url of list.webhook) if (!byChannel.webhook.has(url)) byChannel.webhook.set(url, webhookLabel(url));
  }
  const recipients: TestRecipient[] = [];
  for (const channel of ["email", "slack", "webhook"] as const) {
    const seen = new Map<string, number>();
    for (const [destination, label] of byChannel[channel]) {
      // Two Slack webhooks posting to one channel name (two workspaces) must stay tellable apart.
      const count = (seen.get(label) ?? 0) + 1;
      seen.set(label, count);
      recipients.push({ channel, label: count === 1 ? label : `${label} (${count})`, destination });
    }
  }
  return recipients;
}

/** A webhook URL as it may be printed: scheme, host and port only (the path and query can be the secret). */
export function webhookLabel(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(an unparseable URL)";
  }
}

/**
 * The test message: "[TEST]" in the subject, Slack header and webhook title, a summary that
 * says no threshold was crossed, and `type: "test_notification"` plus `test: true` in the
 * webhook body so receivers can filter it.
 */
export function renderTestNotification(input: { sentAt: Date; recipientCount: number; dashboardUrl?: string }): NotificationMessage {
  return {
    type: "test_notification",
    title: "[TEST] do-cost-guard test notification",
    summary:
      "This is a test message from do-cost-guard (npm run tracker -- test-notify), sent to check that cost alerts reach this recipient. " +
      "No threshold was crossed and nothing needs doing.",
    facts: [
      { label: "Sent at", value: input.sentAt.toISOString() },
      { label: "Recipients tested", value: String(input.recipientCount) },
    ],
    sections: [],
    ...(input.dashboardUrl ? { link: { label: "Open the cost dashboard", url: input.dashboardUrl } } : {}),
    data: { test: true, sentAt: input.sentAt.toISOString() },
  };
}

/**
 * Sends the message to each recipient through its channel's transport, all at once, and
 * reports each outcome in the order given. Error texts are cut to 300 characters and scrubbed
 * of the destination, in case a transport or a receiver echoes the URL.
 */
export async function sendTestNotifications(recipients: readonly TestRecipient[], message: NotificationMessage, transports: Transports): Promise<TestDelivery[]> {
  const payloads: Record<NotificationChannel, JsonObject> = { email: renderEmail(message), slack: renderSlack(message), webhook: renderWebhook(message) };
  return Promise.all(
    recipients.map(async (recipient): Promise<TestDelivery> => {
      const transport = transports[recipient.channel];
      try {
        if (transport === undefined) throw new Error(`no ${recipient.channel} transport is configured`);
        await transport(recipient.destination, payloads[recipient.channel]);
        return { ...recipient, delivered: true };
      } catch (error) {
        const text = String((error as Error)?.message ?? error).split(recipient.destination).join(recipient.label);
        return { ...recipient, delivered: false, error: text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text };
      }
    }),
  );
}

/** The report lines: one per recipient (`delivered` / `FAILED`, channel, label, why), then totals. */
export function formatTestReport(deliveries: readonly TestDelivery[]): string[] {
  const channelWidth = Math.max(0, ...deliveries.map((delivery) => delivery.channel.length));
  const lines = deliveries.map((delivery) => {
    const head = `  ${(delivery.delivered ? "delivered" : "FAILED").padEnd(9)}  ${delivery.channel.padEnd(channelWidth)}  ${delivery.label}`;
    return delivery.delivered ? head : `${head}: ${delivery.error}`;
  });
  const failed = deliveries.filter((delivery) => !delivery.delivered).length;
  lines.push(`test-notify: ${deliveries.length - failed} delivered, ${failed} failed`);
  return lines;
}
