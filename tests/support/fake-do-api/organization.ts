/**
 * A fake organisation of restaurant-platform teams (seed.ts), each billing its own share: a
 * team's account is the seeded platform with every line's price scaled by the team's factor, its
 * balance and invoice preview as they stand at an instant of March 2026, and its nightly insights
 * (one data point per line per complete day, `usage_team_urn` its own URN). The organisation's
 * insights are the teams' together (fake-do-api.ts serves them for the `do:teamgroup:` URN).
 */
import type { BillingDataPoint, InvoiceItem } from "../../../functions/src/digitalocean/types";
import { invoiceResourcesOf, monthInvoiceItem, seedRestaurantPlatformAccount, type FakeAccountState, type InvoiceResource } from "./seed";

/** The month the organisation bills, and its start. */
export const ORGANIZATION_MONTH = "2026-03";
const MONTH_START = Date.UTC(2026, 2, 1);

/** One team's bill: its URN and the factor its lines are priced at (1 = the seeded platform, ≈ $254 a month). */
export interface TeamBill {
  urn: string;
  scale: number;
}

/** The team's invoice lines: the platform's, each priced at `scale` times. */
export function teamLines(state: FakeAccountState, scale: number): InvoiceResource[] {
  return invoiceResourcesOf(state).map((line) => ({ ...line, monthlyUsd: line.monthlyUsd * scale }));
}

/** A data point's amount: one day of a line, to the cent (as DigitalOcean's nightly estimate rounds it). */
export function dailyAmount(line: InvoiceResource): string {
  return ((line.monthlyUsd * 24) / 672).toFixed(2);
}

/**
 * Sets `state` to what DigitalOcean shows the team at `now`: the preview's items for the hours
 * so far (hourly up to the 672-hour cap), the balance adding them up, and one insights data
 * point per line for every complete day. `balanceGeneratedAt` stands for a balance DigitalOcean
 * has not regenerated for a while (default: `now`).
 */
export function billTeamAt(state: FakeAccountState, lines: readonly InvoiceResource[], now: Date, balanceGeneratedAt: Date = now): number {
  const hours = Math.round((now.getTime() - MONTH_START) / 3_600_000);
  const items: InvoiceItem[] = lines.map((line) => monthInvoiceItem(line, (line.monthlyUsd * Math.min(hours, 672)) / 672, ORGANIZATION_MONTH, hours, "Hours"));
  state.invoiceItems.preview = items;
  const cents = items.reduce((sum, item) => sum + Math.round(Number(item.amount) * 100), 0);
  const text = (cents / 100).toFixed(2);
  const stamp = (at: Date) => at.toISOString().replace(".000", "");
  state.balance = { month_to_date_balance: text, account_balance: "0.00", month_to_date_usage: text, generated_at: stamp(balanceGeneratedAt) };
  state.invoicePreview = { ...state.invoicePreview, amount: text, invoice_period: ORGANIZATION_MONTH, updated_at: stamp(now) };
  state.invoices = [];
  state.billingInsights = insightsFor(state.accountUrn, lines, Math.floor(hours / 24));
  return cents / 100;
}

/** One data point per line per day, days 1 to `days` of the month (`billing/models/billing_data_point.yml`). */
export function insightsFor(urn: string, lines: readonly InvoiceResource[], days: number): BillingDataPoint[] {
  // A line's SKU and daily amount are the same every day: one string each, shared by its days'
  // points, so an organisation of a million points holds no million copies of them.
  const perLine = lines.map((line) => ({ line, amount: dailyAmount(line), sku: `1-${line.product.toUpperCase().replace(/[^A-Z]+/g, "-")}` }));
  const points: BillingDataPoint[] = [];
  for (let day = 1; day <= days; day++) {
    const date = `${ORGANIZATION_MONTH}-${String(day).padStart(2, "0")}`;
    for (const { line, amount, sku } of perLine) {
      points.push({
        usage_team_urn: urn,
        start_date: date,
        total_amount: amount,
        region: "nyc3",
        sku,
        description: line.description,
        group_description: line.group_description,
      });
    }
  }
  return points;
}

/** The example organisation's URN (`do:teamgroup:<uuid>`), shared by the organisation tests. */
export const ORGANIZATION_URN = "do:teamgroup:0b7e4d2a-6c1f-4e8b-9a35-d2c7f1e6a904";

/** Its teams' URNs: three the tests configure (`client-a` without a token of its own) and one they do not list. */
export const TEAM_URNS = {
  shop: "do:team:5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
  lab: "do:team:c1d8e2f4-3a5b-4c6d-8e9f-0a1b2c3d4e5f",
  client: "do:team:7e2f9a41-0c3d-4b5e-9f61-82a3b4c5d6e7",
  marketing: "do:team:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
} as const;

/** A team's account: the seeded platform under the team's URN. */
export function teamAccount(urn: string): FakeAccountState {
  return { ...seedRestaurantPlatformAccount(), accountUrn: urn };
}

/**
 * The three configured teams' accounts (TEAM_URNS), each billed at `now`: the shop at the
 * platform's prices, the lab at half, `client-a` at a quarter.
 */
export function billedTeams(now: Date): { shop: FakeAccountState; lab: FakeAccountState; client: FakeAccountState } {
  const accounts = { shop: teamAccount(TEAM_URNS.shop), lab: teamAccount(TEAM_URNS.lab), client: teamAccount(TEAM_URNS.client) };
  for (const [team, scale] of [["shop", 1], ["lab", 0.5], ["client", 0.25]] as const) billTeamAt(accounts[team], teamLines(accounts[team], scale), now);
  return accounts;
}
