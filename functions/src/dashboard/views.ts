/**
 * What the dashboard shows, as plain data: the JSON API's response shapes, which the HTML page
 * renders too. They live apart from the handler (which builds them from the store) and the
 * page (which draws them) so neither of those two modules has to import the other's types.
 */
import type { BillingMonth, IsoDate } from "../../../core/calendar";
import type { CleanupKind } from "../../../core/cleanup/plan";
import type { CleanupAction, CleanupState } from "../../../core/cleanup/states";
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
  /** When it last fired: the newest of its alert_events rows (the ones "recent alerts" lists), any month. */
  lastTriggeredAt: string | null;
  recipients: { email: string[]; slackChannels: string[]; webhooks: number };
  /** Its runbook section, when `billing.runbookUrl` is set. */
  runbookUrl: string | null;
}

/** A fired alert as the API and page show it: the stored row, plus what it says in words. */
export interface AlertEventView {
  alertKey: string;
  billingMonth: BillingMonth;
  firedAt: string;
  payload: JsonObject;
  /** "Budget threshold", "App memory", … */
  label: string;
  /** The alert as a sentence, times in the dashboard's time zone (alert-text.ts). */
  summary: string;
  /** Its runbook section, when `billing.runbookUrl` is set and the kind has one. */
  runbookUrl: string | null;
}

/**
 * Cost per unit (per active restaurant, …: `billing.units`) per day and month to date, read
 * from the counts the tracker stored with the time it read them. Each figure says why it is
 * missing instead of dividing by zero, by an unknown count or by another day's count.
 */
export interface UnitsView {
  /** The configured unit's name as last read; null before the first reading. */
  unitName: string | null;
  /** How old a count may be and still be divided by (core/unit-cost UNIT_COUNT_FRESH_HOURS). */
  freshForHours: number;
  /** The newest reading and whether it may be divided by; null before the first. */
  latest: { readAt: string; ageHours: number; units: number | null; sourceKind: string; state: "fresh" | "stale" | "failed" } | null;
  monthToDate: UnitFigure & { billingMonth: BillingMonth };
  days: (UnitFigure & { date: IsoDate })[];
}

/** One per-unit figure: `usdPerUnit` only when `status` is "ok". */
export interface UnitFigure {
  usd: number;
  units: number | null;
  usdPerUnit: number | null;
  status: "ok" | "zero-units" | "unknown-units" | "no-reading" | "stale";
  readAt: string | null;
}

/** A share of an allocation's total (0–1). */
export interface AllocationShare {
  usd: number;
  share: number;
}

/** `GET /api/v1/billing/allocation?by=…`: the range's cost split by project or service, or per tag key. */
export type AllocationView =
  | { by: "project" | "service"; from: IsoDate; to: IsoDate; totalUsd: number; rows: (AllocationShare & { key: string })[] }
  | {
      by: "tag";
      from: IsoDate;
      to: IsoDate;
      totalUsd: number;
      /** Cost carrying no key:value tag at all, and its share of the total. */
      untagged: AllocationShare;
      /** Per tag key, each value's cost; every key's rows add up to the total ("(untagged)": lacks the key). */
      tagKeys: { tagKey: string; rows: (AllocationShare & { value: string })[] }[];
    };

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

/** How the daily task runs clean-up (`billing.cleanup`): `apply` off is a dry run that sends previews and changes nothing. */
export interface CleanupMode {
  enabled: boolean;
  apply: boolean;
}

/** One resource clean-up has marked, where it stands: the store's mark with the CLI's field names (`cleanup --json`). */
export interface CleanupMarkView {
  resource: { kind: CleanupKind; id: string; name: string };
  /** core/cleanup/states.ts: marked, notice-delivered, due, acted, needs-attention or skipped. */
  state: CleanupState;
  /** The `expires:` date; null when the tag does not read as one date (then `skipped`). */
  expires: IsoDate | null;
  /** What clean-up does to it when due; null when it never will (skipped). */
  action: CleanupAction | null;
  /** The UTC date the notice for this date first reached a recipient; null until then. */
  noticeSentOn: IsoDate | null;
  /** With apply off: the UTC date a preview first reached a recipient (it never counts as the notice); null when none has. */
  previewSentOn: IsoDate | null;
  /** The first day clean-up may act; null until the notice is delivered. */
  actsOn: IsoDate | null;
  /** The latest run's words, e.g. "expired 2026-11-20; notice sent 2026-11-29, acts on 2026-12-01". */
  reason: string;
  /** When a run last recorded it. */
  updatedAt: string;
}

/** `GET /api/v1/billing/cleanup`: every marked resource, the ones needing a person first. */
export interface CleanupView {
  /** Whether clean-up runs and acts; null when the dashboard's settings do not say (bound before they did). */
  settings: CleanupMode | null;
  marks: CleanupMarkView[];
  /** The runbook's clean-up section, when `billing.runbookUrl` is set. */
  runbookUrl: string | null;
}

/** The by-tag allocation: what the page's "by tag" section draws. */
export type TagAllocationView = Extract<AllocationView, { by: "tag" }>;

/** What `?sort=` orders the organisation overview's teams by (largest first; `name` A to Z). */
export type OverviewSort = "spend" | "budget" | "projection" | "savings" | "name";

/** One team's row of the organisation overview: the figures its own page leads with. */
export interface TeamOverview {
  team: string;
  /** No read token of its own: tracked from organisation insights only (daily), no advice or clean-up. */
  insightsOnly: boolean;
  monthToDateUsd: number;
  /** The team's monthly budget (its own, else the top-level `budgetMonthlyUsd`). */
  budgetUsd: number;
  budgetUsedPercent: number;
  projectedUsd: number;
  overBudget: boolean;
  /** The known monthly savings of its current suggestions; null when it is not analysed (insights only). */
  monthlySavingsUsd: number | null;
  /** When DigitalOcean generated its month-to-date figure (a balance check or the insights); null before its first reading this month. */
  asOf: string | null;
}

/**
 * `GET /api/v1/billing/current` for the organisation, and what the overview draws: every
 * team's row, spend of teams the config does not list, and the total, the sum of them all to
 * the cent, against the organisation's budget (`billing.organization`) when configured.
 */
export interface OrganizationOverview {
  billingMonth: BillingMonth;
  sort: OverviewSort;
  teams: TeamOverview[];
  /** Spend the organisation's insights file under no configured team; null when there is none this month. */
  unassigned: { monthToDateUsd: number; projectedUsd: number; asOf: string | null } | null;
  total: {
    monthToDateUsd: number;
    projectedUsd: number;
    /** The analysed teams' savings added up. */
    monthlySavingsUsd: number;
    /** The organisation's budget; null when `billing.organization` is not configured (then nothing is compared). */
    budgetUsd: number | null;
    budgetUsedPercent: number | null;
    overBudget: boolean | null;
  };
}

/** A row of an organisation-wide list, labelled with its team (ORGANIZATION_LABEL for the organisation's own). */
export type Labelled<T> = T & { team: string };
