/**
 * Pure renderers: tracker findings → NotificationMessage. No I/O; the channel formatters
 * (email.ts, slack.ts, webhook.ts) turn the message into payloads.
 */
import type { BillingMonth, IsoDate } from "../../../core/calendar";
import { formatUsd, roundUsd } from "../../../core/money";
import type { MessageSection, NotificationMessage } from "./message";

function dashboardLink(url: string | undefined): NotificationMessage["link"] {
  return url === undefined ? undefined : { label: "Open the cost dashboard", url };
}

/** A month-to-date threshold was crossed. */
export interface ThresholdCrossedInput {
  thresholdUsd: number;
  monthToDateUsd: number;
  billingMonth: BillingMonth;
  /** The monthly budget, when one is configured. */
  budgetUsd?: number;
  dashboardUrl?: string;
}

/** "DigitalOcean spend passed $150.00 in 2026-11": amount, month-to-date, budget and link. */
export function renderThresholdCrossed(input: ThresholdCrossedInput): NotificationMessage {
  const facts = [
    { label: "Threshold", value: formatUsd(input.thresholdUsd) },
    { label: "Month to date", value: formatUsd(input.monthToDateUsd) },
  ];
  if (input.budgetUsd !== undefined) {
    // Percent of budget to one decimal: 152.40 / 300 → 50.8 %.
    facts.push({ label: "Budget", value: `${formatUsd(input.budgetUsd)} (${((input.monthToDateUsd / input.budgetUsd) * 100).toFixed(1)}% used)` });
  }
  return {
    type: "threshold_crossed",
    title: `DigitalOcean spend passed ${formatUsd(input.thresholdUsd)} in ${input.billingMonth}`,
    summary: `Month-to-date spend is ${formatUsd(input.monthToDateUsd)}, at or above the ${formatUsd(input.thresholdUsd)} threshold.`,
    facts,
    sections: [],
    link: dashboardLink(input.dashboardUrl),
    data: {
      billingMonth: input.billingMonth,
      thresholdUsd: roundUsd(input.thresholdUsd),
      monthToDateUsd: roundUsd(input.monthToDateUsd),
      budgetUsd: input.budgetUsd === undefined ? null : roundUsd(input.budgetUsd),
    },
  };
}

/** The month-end projection is over budget. */
export interface ForecastAlertInput {
  projectedUsd: number;
  budgetUsd: number;
  monthToDateUsd: number;
  billingMonth: BillingMonth;
  /** The day the projection was made. */
  asOf: IsoDate;
  dashboardUrl?: string;
}

/** "Projected to reach $412.00 in 2026-11, over the $300.00 budget". */
export function renderForecastAlert(input: ForecastAlertInput): NotificationMessage {
  const overUsd = input.projectedUsd - input.budgetUsd;
  return {
    type: "forecast_over_budget",
    title: `DigitalOcean spend projected to reach ${formatUsd(input.projectedUsd)} in ${input.billingMonth}`,
    summary: `At the current rate the month ends ${formatUsd(overUsd)} over the ${formatUsd(input.budgetUsd)} budget (projection as of ${input.asOf}).`,
    facts: [
      { label: "Projected month end", value: formatUsd(input.projectedUsd) },
      { label: "Budget", value: formatUsd(input.budgetUsd) },
      { label: "Month to date", value: formatUsd(input.monthToDateUsd) },
    ],
    sections: [],
    link: dashboardLink(input.dashboardUrl),
    data: {
      billingMonth: input.billingMonth,
      asOf: input.asOf,
      projectedUsd: roundUsd(input.projectedUsd),
      budgetUsd: roundUsd(input.budgetUsd),
      monthToDateUsd: roundUsd(input.monthToDateUsd),
      overBudgetUsd: roundUsd(overUsd),
    },
  };
}

/** One day's cost for one key (service, project, tag value) jumped above its baseline. */
export interface SpikeInput {
  date: IsoDate;
  /** What was grouped by, e.g. "service", "project", "tag". */
  dimension: string;
  key: string;
  amountUsd: number;
  baselineUsd: number;
  dashboardUrl?: string;
}

/** "Droplets cost $48.00 on 2026-11-26, 4.0× the usual $12.00". */
export function renderSpike(input: SpikeInput): NotificationMessage {
  const comparison =
    input.baselineUsd > 0
      ? `${(input.amountUsd / input.baselineUsd).toFixed(1)}× the usual ${formatUsd(input.baselineUsd)} a day`
      : "where it usually costs nothing";
  return {
    type: "spike",
    title: `Cost spike: ${input.key} on ${input.date}`,
    summary: `${input.dimension} ${input.key} cost ${formatUsd(input.amountUsd)} on ${input.date}, ${comparison}.`,
    facts: [
      { label: input.dimension, value: input.key },
      { label: "That day", value: formatUsd(input.amountUsd) },
      { label: "Usual day", value: formatUsd(input.baselineUsd) },
      { label: "Increase", value: formatUsd(input.amountUsd - input.baselineUsd) },
    ],
    sections: [],
    link: dashboardLink(input.dashboardUrl),
    data: {
      date: input.date,
      dimension: input.dimension,
      key: input.key,
      amountUsd: roundUsd(input.amountUsd),
      baselineUsd: roundUsd(input.baselineUsd),
    },
  };
}

/** A periodic report (daily, weekly): title, summary, sections with tables. */
export interface ReportInput {
  /** Webhook `type`, e.g. "daily_report". */
  type: string;
  title: string;
  summary: string;
  facts?: { label: string; value: string }[];
  sections: MessageSection[];
  dashboardUrl?: string;
  /** Figures for webhook consumers. */
  data?: NotificationMessage["data"];
}

/** A report message; tables are checked so every row has one cell per column. */
export function renderReport(input: ReportInput): NotificationMessage {
  input.sections.forEach((section, s) => {
    section.table?.rows.forEach((row, r) => {
      if (row.length !== section.table!.columns.length) {
        throw new Error(`sections[${s}].table.rows[${r}] has ${row.length} cells, expected ${section.table!.columns.length} (one per column)`);
      }
    });
  });
  return {
    type: input.type,
    title: input.title,
    summary: input.summary,
    facts: input.facts ?? [],
    sections: input.sections,
    link: dashboardLink(input.dashboardUrl),
    data: input.data ?? {},
  };
}
