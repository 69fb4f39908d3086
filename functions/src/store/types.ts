/**
 * The records the tracker keeps. Money is in US dollars rounded to cents (the store
 * rejects nothing finer; it rounds through integer cents on the way in), dates are UTC
 * "YYYY-MM-DD" strings and billing months "YYYY-MM" (core/calendar.ts), instants are Dates.
 */
import type { BillingMonth, IsoDate } from "../../../core/calendar";

/** Any value JSON can carry; payloads and breakdowns stored as jsonb are made of these. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object, e.g. a rendered Slack message or a webhook body. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * One reading of a team's month to date, taken at `takenAt`: a balance check with the team's
 * own token (`balance`), or the team's share of the organisation's nightly billing insights
 * (`insights`). Of a month's readings, the one whose data is fresher (`generatedAt`) wins.
 */
export interface SpendSnapshot {
  takenAt: Date;
  source: "balance" | "insights";
  monthToDateUsd: number;
  /** The account balance; null for an insights reading (insights carry none). */
  accountBalanceUsd: number | null;
  /**
   * How fresh the figure's data is: the balance's own `generated_at`, or for insights the end
   * of the latest day they cover (no later than when they were read).
   */
  generatedAt: Date;
  /** The current invoice preview's amount, or null when this check did not fetch it. */
  invoicePreviewUsd: number | null;
}

/** A day of history with the team (or reserved label) it is filed under: the organisation view's rows. */
export interface TeamBillingHistoryDay extends BillingHistoryDay {
  team: string;
}

/** Cost broken down by a dimension (service, project, tag value) in USD. */
export type CostBreakdown = Record<string, number>;

/** One day of billing history, keyed by its UTC date; re-ingesting a day replaces it. */
export interface BillingHistoryDay {
  date: IsoDate;
  totalCostUsd: number;
  monthToDateUsd: number;
  costByService: CostBreakdown;
  costByProject: CostBreakdown;
  costByTag: CostBreakdown;
}

/** One resource's cost on one day for one product line, from the invoice items. */
export interface ResourceDailyCost {
  date: IsoDate;
  resourceUuid: string;
  product: string;
  projectName: string | null;
  amountUsd: number;
}

/** Where an alert is delivered; the same shape DigitalOcean uses for monitor alerts plus webhooks. */
export interface AlertRecipients {
  email: string[];
  slack: { channel: string; url: string }[];
  webhook: string[];
}

/** A billing alert as defined by config (authoritative) or created through the API. */
export interface CostAlertDefinition {
  id: string;
  kind: "threshold" | "forecast";
  thresholdUsd: number;
  recipients: AlertRecipients;
  enabled: boolean;
}

/** A stored billing alert. */
export interface CostAlert extends CostAlertDefinition {
  source: "config" | "api";
  lastTriggeredAt: Date | null;
}

/** A fired alert; at most one per (alertKey, billingMonth). */
export interface AlertEvent {
  id: number;
  alertKey: string;
  billingMonth: BillingMonth;
  firedAt: Date;
  payload: JsonObject;
}

/** The delivery channels the outbox knows. */
export type NotificationChannel = "email" | "slack" | "webhook";

/**
 * A message ready to send: `destination` is an email address, a Slack incoming-webhook URL or
 * a webhook URL; `payload` is the channel's rendered message (see functions/src/notify).
 */
export interface OutgoingNotification {
  channel: NotificationChannel;
  destination: string;
  payload: JsonObject;
}

/** An outgoing notification with the key that makes enqueueing it idempotent. */
export interface QueuedNotification extends OutgoingNotification {
  dedupeKey: string;
}

/** A row of the notification outbox. */
export interface OutboxEntry extends QueuedNotification {
  id: number;
  status: "pending" | "delivered";
  /** Delivery attempts started so far (a claim counts, even if the process died mid-send). */
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/**
 * One reading of the configured unit count (core/unit-cost.ts `UnitSource`): what was read and
 * when. `units` is null when the source failed, which is kept so the dashboard can say so.
 */
export interface UnitCountReading {
  readAt: Date;
  /** The unit's singular name as configured, e.g. "active restaurant". */
  unitName: string;
  units: number | null;
  sourceKind: "count" | "sql" | "url";
}
