/**
 * A month of the restaurant platform's billing, hour by hour, driven into the fake
 * DigitalOcean API: every fixed resource accrues monthly ÷ 672 per hour up to the 672-hour
 * cap, and at JUMP_AT a one-off $100 bandwidth overage lands, which crosses the $150 and $200
 * thresholds within one hour, makes the month-end projection exceed the budget, and is a spike
 * of the total and a new service on that day. Shared by the tracker tests and nothing else.
 */
import { DigitalOceanClient } from "../../../functions/src/digitalocean/client";
import type { InvoiceItem } from "../../../functions/src/digitalocean/types";
import { createSlackTransport } from "../../../functions/src/notify/slack";
import { createSmtpTransport } from "../../../functions/src/notify/email";
import { createWebhookTransport } from "../../../functions/src/notify/webhook";
import type { Transports } from "../../../functions/src/notify/outbox";
import { parseTrackerConfig, type TrackerConfig } from "../../../functions/src/tracker/config";
import type { TrackerLog } from "../../../functions/src/tracker/ingest";
import { FEBRUARY_INVOICE_UUID, invoiceResourcesOf, type FakeAccountState, type FakeDigitalOcean, type InvoiceResource } from "../../support/fake-do-api";

export const MONTH = "2026-03";
export const MONTH_START = new Date("2026-03-01T00:00:00Z");
/** The hour the $100 overage appears (day 12, 14:00 UTC). */
export const JUMP_AT = new Date("2026-03-12T14:00:00Z");
export const JUMP_USD = 100;
export const BUDGET_USD = 320;

/** Recipients, one set per alert, so each can be checked to hear only its own alert. */
export const RECIPIENTS = {
  t10: "oncall-10@restaurant.example",
  t150: "finance-150@restaurant.example",
  t200: "cto-200@restaurant.example",
  forecast: "forecast@restaurant.example",
} as const;

/** The config the scenario runs with, as the JSON file the CLI reads; HTTP recipients point at a local receiver. */
export function scenarioConfigJson(receiverUrl: string): Record<string, unknown> {
  return {
    budgetMonthlyUsd: BUDGET_USD,
    thresholds: [
      { amountUsd: 10, email: [RECIPIENTS.t10] },
      { amountUsd: 50, webhook: [`${receiverUrl}/t50`] },
      { amountUsd: 150, email: [RECIPIENTS.t150], slack: [{ channel: "#costs", url: `${receiverUrl}/slack/t150` }] },
      { amountUsd: 200, email: [RECIPIENTS.t200], webhook: [`${receiverUrl}/t200`] },
    ],
    forecast: { enabled: true, email: [RECIPIENTS.forecast], slack: [{ channel: "#costs", url: `${receiverUrl}/slack/forecast` }] },
    spikes: { enabled: true, webhook: [`${receiverUrl}/spikes`] },
    reports: {
      daily: { enabled: true, slack: [{ channel: "#costs", url: `${receiverUrl}/slack/daily` }] },
      weekly: { enabled: true, email: ["weekly@restaurant.example"], webhook: [`${receiverUrl}/weekly`] },
    },
    units: { name: "active restaurant", source: { kind: "count", value: 140 } },
    email: { from: "do-cost-guard <billing@restaurant.example>" },
  };
}

/** {@link scenarioConfigJson}, validated. */
export function scenarioConfig(receiverUrl: string): TrackerConfig {
  return parseTrackerConfig(scenarioConfigJson(receiverUrl));
}

function item(line: InvoiceResource, amountUsd: number, duration: number, unit: string): InvoiceItem {
  const out: InvoiceItem = {
    product: line.product,
    group_description: line.group_description,
    description: line.description,
    amount: amountUsd.toFixed(2),
    duration: String(duration),
    duration_unit: unit,
    start_time: "2026-03-01T00:00:00Z",
    end_time: "2026-04-01T00:00:00Z",
  };
  if (line.resource_uuid) out.resource_uuid = line.resource_uuid;
  if (line.resource_id) out.resource_id = line.resource_id;
  if (line.project_name) out.project_name = line.project_name;
  return out;
}

const BANDWIDTH: InvoiceResource = {
  product: "Bandwidth",
  group_description: "",
  description: "Outbound transfer overage (10,000 GiB)",
  project_name: "restaurant-prod",
  monthlyUsd: 0,
};

/** Month-to-date spend the scenario bills at `now` (what the fake's balance will say). */
export function scenarioMtdUsd(lines: readonly InvoiceResource[], now: Date): number {
  const hours = (now.getTime() - MONTH_START.getTime()) / 3_600_000;
  const cents = lines.reduce((sum, line) => sum + Math.round(((line.monthlyUsd * Math.min(hours, 672)) / 672) * 100), 0);
  return (cents + (now >= JUMP_AT ? JUMP_USD * 100 : 0)) / 100;
}

/** Prepares the fake: February closed (for `history`), January dropped, no March items yet. */
export function prepareAccount(state: FakeAccountState): InvoiceResource[] {
  state.invoices = state.invoices.filter((invoice) => invoice.invoice_uuid === FEBRUARY_INVOICE_UUID);
  return invoiceResourcesOf(state);
}

/** Sets the fake's balance and invoice preview to what DigitalOcean would show at `now`. */
export function setHour(state: FakeAccountState, lines: readonly InvoiceResource[], now: Date): number {
  const hours = Math.round((now.getTime() - MONTH_START.getTime()) / 3_600_000);
  const items = lines.map((line) => item(line, (line.monthlyUsd * Math.min(hours, 672)) / 672, hours, "Hours"));
  if (now >= JUMP_AT) items.push(item(BANDWIDTH, JUMP_USD, 10_000, "GiB"));
  state.invoiceItems.preview = items;
  const mtd = scenarioMtdUsd(lines, now);
  const text = mtd.toFixed(2);
  state.balance = { month_to_date_balance: text, account_balance: "0.00", month_to_date_usage: text, generated_at: now.toISOString().replace(".000", "") };
  state.invoicePreview = { ...state.invoicePreview, amount: text, invoice_period: MONTH, updated_at: now.toISOString().replace(".000", "") };
  return mtd;
}

/** A client for the fake that never really sleeps between retries. */
export function fakeClient(fake: FakeDigitalOcean, overrides: { timeoutMs?: number; maxRetries?: number } = {}): DigitalOceanClient {
  return new DigitalOceanClient({
    token: fake.token,
    baseUrl: fake.url,
    sleep: async () => undefined,
    random: () => 0,
    retryBaseDelayMs: 1,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    maxRetries: overrides.maxRetries ?? 3,
  });
}

/** Real transports against the test peers. */
export function peerTransports(smtpUrl: string): { transports: Transports; close: () => void } {
  const smtp = createSmtpTransport({ url: smtpUrl, from: "do-cost-guard <billing@restaurant.example>", timeoutMs: 5_000 });
  return { transports: { email: smtp.send, slack: createSlackTransport({ timeoutMs: 5_000 }), webhook: createWebhookTransport({ timeoutMs: 5_000 }) }, close: smtp.close };
}

/** A log that keeps its lines for assertions. */
export function memoryLog(): TrackerLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), warn: (line) => lines.push(`warning: ${line}`) };
}

/** Every hour of the month, 2026-03-01T00:00Z to 2026-03-31T23:00Z: the 744 instants a `0 * * * *` schedule runs at. */
export function everyHourOfTheMonth(): Date[] {
  const instants: Date[] = [];
  for (let t = MONTH_START.getTime(); t < Date.UTC(2026, 3, 1); t += 3_600_000) instants.push(new Date(t));
  return instants;
}
