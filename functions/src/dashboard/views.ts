/**
 * What the dashboard shows, as plain data: the JSON API's response shapes, which the HTML page
 * renders too. They live apart from the handler (which builds them from the store) and the
 * page (which draws them) so neither of those two modules has to import the other's types.
 */
import type { BillingMonth } from "../../../core/calendar";
import type { ForecastMethod } from "../../../core/forecast";
import type { CostAlert, JsonObject } from "../store/types";

/**
 * Month to date against the ACCOUNT budget (`billing.budgetMonthlyUsd` in the stack config,
 * the tracker's `budgetMonthlyUsd`) and the month-end projection. Not the policy pack's
 * per-stack `maxMonthlyUsd`, which `npm run plan` compares one stack's resources with.
 */
export interface CurrentBilling {
  billingMonth: BillingMonth;
  /** When DigitalOcean generated the balance figures, or null before the tracker's first check. */
  asOf: string | null;
  monthToDateUsd: number;
  /** The account's monthly budget (`billing.budgetMonthlyUsd`); the API keeps the field name `budgetUsd`. */
  budgetUsd: number;
  /** Month to date as a percentage of the account budget, one decimal. */
  budgetUsedPercent: number;
  forecast: {
    projectedUsd: number;
    /** Whether the projection exceeds the account budget. */
    overBudget: boolean;
    method: ForecastMethod;
    dailyRateUsd: number;
    daysUsed: number;
  };
}

/** An alert as the API shows it: recipients without Slack or webhook URLs, which are secrets. */
export interface AlertView {
  id: string;
  kind: CostAlert["kind"];
  thresholdUsd: number;
  enabled: boolean;
  source: CostAlert["source"];
  lastTriggeredAt: string | null;
  recipients: { email: string[]; slackChannels: string[]; webhooks: number };
}

/** A fired alert as the API and page show it. */
export interface AlertEventView {
  alertKey: string;
  billingMonth: BillingMonth;
  firedAt: string;
  payload: JsonObject;
}

/** The savings advisor's current findings as the API and the page show them (`advise` keeps them current). */
export interface SavingsView {
  /** Sum of the known savings of the suggestions shown. */
  totalMonthlySavingsUsd: number;
  suggestions: {
    id: string;
    rule: string;
    resource: { kind: string; id: string; name: string };
    action: string;
    reason: string;
    monthlySavingsUsd: number | null;
    firstSeenAt: string;
    lastSeenAt: string;
  }[];
  /** Suggestions hidden by a dismissal whose evidence has not changed. */
  dismissed: number;
  /** Resources the tag requirement refuses (the runtime twin of the pack's require-tags policy): keys missing, values not allowed. */
  untagged: { kind: string; id: string; name: string; missingKeys: string[]; disallowed: { key: string; value: string; allowed: readonly string[] }[] }[];
  /** This month's spend no key:value tag explains, as a share of the month to date (0–1). */
  untaggedShareOfSpend: number;
}

/** One stack's latest reconciled month: what `npm run plan` estimated against what DigitalOcean billed. */
export interface StackView {
  stackTag: string;
  billingMonth: string;
  estimatedUsd: number;
  billedUsd: number;
  differenceUsd: number;
  /** Billed to resources carrying the stack tag that the plan does not list. */
  unplannedBilledUsd: number;
  resources: { name: string; type: string; status: string; estimatedUsd: number | null; billedUsd: number; explanations: string[] }[];
}

