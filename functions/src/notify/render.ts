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

/**
 * Whose spend a message is about, when a deployment watches several teams: one team, or the
 * organisation's total. A single-team deployment's messages name no one (they read as they
 * did before teams existed).
 */
export type MessageSubject = { team: string } | { organization: true };

/** "team staging", "the organisation". */
export function subjectPhrase(subject: MessageSubject): string {
  return "team" in subject ? `team ${subject.team}` : "the organisation";
}

/** " of team staging" (or of the organisation), for "DigitalOcean spend of team staging …"; empty without a subject. */
export function ofSubject(subject: MessageSubject | undefined): string {
  return subject === undefined ? "" : ` of ${subjectPhrase(subject)}`;
}

/** The webhook's `team` (or `organization: true`) for consumers routing by team; nothing without a subject. */
export function subjectData(subject: MessageSubject | undefined): NotificationMessage["data"] {
  if (subject === undefined) return {};
  return "team" in subject ? { team: subject.team } : { organization: true };
}

/** The first fact of a message about a subject: who it is about. */
export function subjectFacts(subject: MessageSubject | undefined): { label: string; value: string }[] {
  if (subject === undefined) return [];
  return "team" in subject ? [{ label: "Team", value: subject.team }] : [{ label: "Scope", value: "Organisation (all teams)" }];
}

/**
 * A message rendered without a subject (a clean-up notice, a calibration drift), made about one:
 * its title says whose ("… (team staging)"), its first fact names it and the webhook's data
 * carries it, as every alert of a deployment with teams does. Unchanged without a subject.
 */
export function aboutSubject(message: NotificationMessage, subject: MessageSubject | undefined): NotificationMessage {
  if (subject === undefined) return message;
  return { ...message, title: `${message.title} (${subjectPhrase(subject)})`, facts: [...subjectFacts(subject), ...message.facts], data: { ...subjectData(subject), ...message.data } };
}

/** A month-to-date threshold was crossed. */
export interface ThresholdCrossedInput {
  thresholdUsd: number;
  monthToDateUsd: number;
  billingMonth: BillingMonth;
  /** The monthly budget, when one is configured. */
  budgetUsd?: number;
  dashboardUrl?: string;
  subject?: MessageSubject;
}

/** "DigitalOcean spend passed $150.00 in 2026-11" (of team staging): amount, month-to-date, budget and link. */
export function renderThresholdCrossed(input: ThresholdCrossedInput): NotificationMessage {
  const facts = [
    ...subjectFacts(input.subject),
    { label: "Threshold", value: formatUsd(input.thresholdUsd) },
    { label: "Month to date", value: formatUsd(input.monthToDateUsd) },
  ];
  if (input.budgetUsd !== undefined) {
    // Percent of budget to one decimal: 152.40 / 300 → 50.8 %.
    facts.push({ label: "Budget", value: `${formatUsd(input.budgetUsd)} (${((input.monthToDateUsd / input.budgetUsd) * 100).toFixed(1)}% used)` });
  }
  return {
    type: "threshold_crossed",
    title: `DigitalOcean spend${ofSubject(input.subject)} passed ${formatUsd(input.thresholdUsd)} in ${input.billingMonth}`,
    summary: `Month-to-date spend${ofSubject(input.subject)} is ${formatUsd(input.monthToDateUsd)}, at or above the ${formatUsd(input.thresholdUsd)} threshold.`,
    facts,
    sections: [],
    link: dashboardLink(input.dashboardUrl),
    data: {
      ...subjectData(input.subject),
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
  subject?: MessageSubject;
}

/** "Projected to reach $412.00 in 2026-11, over the $300.00 budget". */
export function renderForecastAlert(input: ForecastAlertInput): NotificationMessage {
  const overUsd = input.projectedUsd - input.budgetUsd;
  return {
    type: "forecast_over_budget",
    title: `DigitalOcean spend${ofSubject(input.subject)} projected to reach ${formatUsd(input.projectedUsd)} in ${input.billingMonth}`,
    summary: `At the current rate the month ends ${formatUsd(overUsd)} over the${input.subject ? ` ${subjectPhrase(input.subject)}'s` : ""} ${formatUsd(input.budgetUsd)} budget (projection as of ${input.asOf}).`,
    facts: [
      ...subjectFacts(input.subject),
      { label: "Projected month end", value: formatUsd(input.projectedUsd) },
      { label: "Budget", value: formatUsd(input.budgetUsd) },
      { label: "Month to date", value: formatUsd(input.monthToDateUsd) },
    ],
    sections: [],
    link: dashboardLink(input.dashboardUrl),
    data: {
      ...subjectData(input.subject),
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
  subject?: MessageSubject;
}

/** "Droplets cost $48.00 on 2026-11-26, 4.0× the usual $12.00". */
export function renderSpike(input: SpikeInput): NotificationMessage {
  const comparison =
    input.baselineUsd > 0
      ? `${(input.amountUsd / input.baselineUsd).toFixed(1)}× the usual ${formatUsd(input.baselineUsd)} a day`
      : "where it usually costs nothing";
  return {
    type: "spike",
    title: `Cost spike${input.subject ? ` in ${subjectPhrase(input.subject)}` : ""}: ${input.key} on ${input.date}`,
    summary: `${input.dimension} ${input.key}${input.subject ? ` in ${subjectPhrase(input.subject)}` : ""} cost ${formatUsd(input.amountUsd)} on ${input.date}, ${comparison}.`,
    facts: [
      ...subjectFacts(input.subject),
      { label: input.dimension, value: input.key },
      { label: "That day", value: formatUsd(input.amountUsd) },
      { label: "Usual day", value: formatUsd(input.baselineUsd) },
      { label: "Increase", value: formatUsd(input.amountUsd - input.baselineUsd) },
    ],
    sections: [],
    link: dashboardLink(input.dashboardUrl),
    data: {
      ...subjectData(input.subject),
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
