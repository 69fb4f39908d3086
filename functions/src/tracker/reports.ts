/**
 * The daily and weekly reports, built from stored history plus the figures `check` just
 * computed, rendered once (notify/render) and enqueued for every recipient under a dedupe key
 * per date or ISO week (and team), so rerunning a report never sends it twice. Each report is one
 * scope's (./scope.ts): a team's, to that team's recipients and naming it; a deployment with
 * several teams also sends the organisation's weekly summary (teams ranked by spend and by
 * change) to the top-level recipients.
 */
import { addDays, daysBetween, isoDate, weekdayOf, type IsoDate } from "../../../core/calendar";
import type { MonthEndFigures } from "../../../core/forecast";
import { formatSignedUsd, formatUsd, fromCents, sumUsd, toCents } from "../../../core/money";
import type { Spike } from "../../../core/spikes";
import { unitCost, type UnitCostConfig } from "../../../core/unit-cost";
import { sumBreakdownCents, UNTAGGED } from "../../../core/allocation";
import { keyedNotifications } from "../notify/outbox";
import { ofSubject, renderReport, subjectData, subjectFacts } from "../notify/render";
import type { MessageSection } from "../notify/message";
import type { StoredSuggestion } from "../store/advice-store";
import { teamKeyPrefix, type CostStore } from "../store/cost-store";
import type { BillingHistoryDay, CostBreakdown } from "../store/types";
import type { TrackerConfig } from "./config";
import type { EvaluationScope } from "./scope";
import { INSIGHTS_ONLY_NOTE } from "../../../core/team-credentials";
import { teamWords, UNASSIGNED_LABEL } from "../../../core/tracker-settings";

/** How many rows a "by …" or "movers" table shows; the rest is summed into one line. */
const TOP_ROWS = 8;

/** Sums a breakdown over several days, in cents. */
function sumBreakdowns(days: readonly BillingHistoryDay[], pick: (day: BillingHistoryDay) => CostBreakdown): Map<string, number> {
  return sumBreakdownCents(days.map(pick));
}

function percentChange(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? "0%" : "new";
  return `${(((current - previous) / previous) * 100).toFixed(0)}%`;
}

/** A "key | this | previous | change" table, largest movers first, capped at TOP_ROWS. */
function comparisonTable(label: string, current: Map<string, number>, previous: Map<string, number>, currentHeading: string, previousHeading: string): MessageSection["table"] {
  const keys = [...new Set([...current.keys(), ...previous.keys()])].filter((key) => key !== UNTAGGED || label === "Tag");
  const rows = keys
    .map((key) => ({ key, now: current.get(key) ?? 0, before: previous.get(key) ?? 0 }))
    .filter((row) => row.now !== 0 || row.before !== 0)
    .sort((a, b) => Math.abs(b.now - b.before) - Math.abs(a.now - a.before) || b.now - a.now || a.key.localeCompare(b.key))
    .slice(0, TOP_ROWS)
    .map((row) => [row.key, formatUsd(fromCents(row.now)), formatUsd(fromCents(row.before)), formatSignedUsd(fromCents(row.now - row.before)), percentChange(row.now, row.before)]);
  return { columns: [label, currentHeading, previousHeading, "Change", "%"], rows };
}

/** Inputs of the daily report that `check` has just computed. */
export interface DailyReportInput {
  now: Date;
  monthToDateUsd: number;
  forecast: MonthEndFigures;
  /** Spikes on the report's day (yesterday). */
  spikes: readonly Spike[];
}

/** Enqueues yesterday's report of the store's team (key `report:daily:<date>`, after the team's prefix); returns rows added (0 on a rerun). */
export async function enqueueDailyReport(
  store: CostStore,
  scope: Pick<EvaluationScope, "subject" | "budgetMonthlyUsd" | "reports" | "dashboardUrl">,
  input: DailyReportInput,
): Promise<number> {
  const date = addDays(isoDate(input.now), -1);
  const [day, dayBefore] = await Promise.all([store.listBillingHistory(date, date), store.listBillingHistory(addDays(date, -1), addDays(date, -1))]);
  const costUsd = day[0]?.totalCostUsd ?? 0;
  const previousUsd = dayBefore[0]?.totalCostUsd ?? 0;
  const budget = scope.budgetMonthlyUsd;
  const sections: MessageSection[] = [
    {
      heading: "Top movers by service",
      table: comparisonTable("Service", sumBreakdowns(day, (d) => d.costByService), sumBreakdowns(dayBefore, (d) => d.costByService), date, addDays(date, -1)),
    },
  ];
  sections.push(
    input.spikes.length === 0
      ? { heading: "Anomalies", text: "No cost spikes." }
      : {
          heading: "Anomalies",
          table: {
            columns: ["Service", "Cost", "Usual", "Kind"],
            rows: input.spikes.map((spike) => [spike.service, formatUsd(spike.usd), formatUsd(spike.baselineUsd), spike.kind]),
          },
        },
  );
  const message = renderReport({
    type: "daily_report",
    title: `DigitalOcean costs${ofSubject(scope.subject)} for ${date}: ${formatUsd(costUsd)}`,
    summary: `${date} cost ${formatUsd(costUsd)} (${formatSignedUsd(sumUsd([costUsd, -previousUsd]))} on the day before). Month to date ${formatUsd(input.monthToDateUsd)}, projected ${formatUsd(input.forecast.projectedUsd)} against a ${formatUsd(budget)} budget.`,
    facts: [
      ...subjectFacts(scope.subject),
      { label: "Yesterday", value: formatUsd(costUsd) },
      { label: "Month to date", value: formatUsd(input.monthToDateUsd) },
      { label: "Projected month end", value: formatUsd(input.forecast.projectedUsd) },
      { label: "Budget", value: `${formatUsd(budget)} (${input.forecast.projectedUsd > budget ? "over" : "within"})` },
    ],
    sections,
    ...(scope.dashboardUrl ? { dashboardUrl: scope.dashboardUrl } : {}),
    data: { ...subjectData(scope.subject), date, costUsd, previousDayUsd: previousUsd, monthToDateUsd: input.monthToDateUsd, projectedUsd: input.forecast.projectedUsd, budgetUsd: budget, spikes: input.spikes.length },
  });
  return store.enqueueNotifications(keyedNotifications(`${teamKeyPrefix(store.team)}report:daily:${date}`, scope.reports.daily.recipients, message), input.now);
}

/** ISO 8601 week of a date, e.g. "2026-W11" (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekOf(date: IsoDate): string {
  const monday = addDays(date, -((weekdayOf(date) + 6) % 7));
  const thursday = addDays(monday, 3);
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The last complete Monday–Sunday week before `now`: its Monday. */
export function lastCompleteWeekStart(now: Date): IsoDate {
  const today = isoDate(now);
  const thisMonday = addDays(today, -((weekdayOf(today) + 6) % 7));
  return addDays(thisMonday, -7);
}

/** Resolves the configured unit count; null (unknown) when the source fails, which the report says. */
export type UnitResolver = (units: UnitCostConfig) => Promise<number | null>;

/**
 * Enqueues last week's report of the store's team (key `report:weekly:<ISO week>`, after the
 * team's prefix); returns rows added (0 on a rerun). `suggestions` are the savings advisor's
 * current findings (AdviceStore), shown as "Top savings". An `insightsOnly` team's history comes
 * from the organisation's insights, which name no project or tag: the report says so instead of
 * showing an untagged share of 0.
 */
export async function enqueueWeeklyReport(
  store: CostStore,
  config: Pick<EvaluationScope, "subject" | "reports" | "units" | "dashboardUrl">,
  now: Date,
  resolveUnits: UnitResolver,
  suggestions: readonly StoredSuggestion[] = [],
  options: { insightsOnly?: boolean } = {},
): Promise<number> {
  const monday = lastCompleteWeekStart(now);
  const week = isoWeekOf(monday);
  const [thisWeek, previousWeek] = await Promise.all([
    store.listBillingHistory(monday, addDays(monday, 6)),
    store.listBillingHistory(addDays(monday, -7), addDays(monday, -1)),
  ]);
  const totalUsd = sumUsd(thisWeek.map((d) => d.totalCostUsd));
  const previousUsd = sumUsd(previousWeek.map((d) => d.totalCostUsd));
  const untaggedUsd = sumUsd(thisWeek.map((d) => d.costByTag[UNTAGGED] ?? 0));
  const untaggedShare = totalUsd === 0 ? 0 : untaggedUsd / totalUsd;
  const units = config.units ? unitCost(totalUsd, await resolveUnits(config.units)) : undefined;
  const facts = [
    ...subjectFacts(config.subject),
    { label: "This week", value: formatUsd(totalUsd) },
    { label: "Previous week", value: `${formatUsd(previousUsd)} (${percentChange(toCents(totalUsd), toCents(previousUsd))})` },
    options.insightsOnly
      ? { label: "Source", value: INSIGHTS_ONLY_NOTE }
      : { label: "Untagged share", value: `${(untaggedShare * 100).toFixed(1)}% (${formatUsd(untaggedUsd)})` },
  ];
  if (config.units && units) {
    facts.push({
      label: `Cost per ${config.units.unitName}`,
      value: units.status === "ok" ? `${formatUsd(units.usdPerUnit)} (${units.units} units)` : units.status === "zero-units" ? "no units this week" : "unknown (unit source unavailable)",
    });
  }
  // What the last advise run found: the week's bill next to what acting on it would save.
  const savings = suggestions.filter((s) => !s.dismissed && s.rule !== "untagged" && s.monthlySavingsUsd !== null);
  const savingsUsd = sumUsd(savings.map((s) => s.monthlySavingsUsd ?? 0));
  if (savings.length > 0) facts.push({ label: "Potential savings", value: `${formatUsd(savingsUsd)}/month (${savings.length} suggestion${savings.length === 1 ? "" : "s"})` });
  const heading = (d: IsoDate) => `Week of ${d}`;
  const table = (label: string, pick: (day: BillingHistoryDay) => CostBreakdown) =>
    comparisonTable(label, sumBreakdowns(thisWeek, pick), sumBreakdowns(previousWeek, pick), heading(monday), heading(addDays(monday, -7)));
  const message = renderReport({
    type: "weekly_report",
    title: `DigitalOcean costs${ofSubject(config.subject)}, week ${week}: ${formatUsd(totalUsd)}`,
    summary: `Week ${week} (${monday} to ${addDays(monday, 6)}) cost ${formatUsd(totalUsd)}, ${formatSignedUsd(sumUsd([totalUsd, -previousUsd]))} on the week before; ${
      options.insightsOnly ? "by SKU, from the organisation's billing insights (no projects or tags)." : `${(untaggedShare * 100).toFixed(1)}% of it carried no key:value tag.`
    }`,
    facts,
    sections: [
      ...(options.insightsOnly
        ? [{ heading: "By SKU", table: table("SKU", (d) => d.costByService) }]
        : [
            { heading: "By service", table: table("Service", (d) => d.costByService) },
            { heading: "By project", table: table("Project", (d) => d.costByProject) },
            { heading: "By tag", table: table("Tag", (d) => d.costByTag) },
          ]),
      ...(savings.length > 0
        ? [{ heading: "Top savings", table: { columns: ["Resource", "Action", "Saves/month"], rows: savings.slice(0, TOP_ROWS).map((s) => [`${s.resource.kind} ${s.resource.name}`, s.action, formatUsd(s.monthlySavingsUsd ?? 0)]) } }]
        : []),
    ],
    ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}),
    data: {
      ...subjectData(config.subject),
      week,
      from: monday,
      to: addDays(monday, 6),
      totalUsd,
      previousWeekUsd: previousUsd,
      untaggedUsd,
      untaggedShare,
      usdPerUnit: units?.status === "ok" ? units.usdPerUnit : null,
      potentialSavingsUsd: savingsUsd,
    },
  });
  return store.enqueueNotifications(keyedNotifications(`${teamKeyPrefix(store.team)}report:weekly:${week}`, config.reports.weekly.recipients, message), now);
}

/**
 * Enqueues last week's organisation summary (key `report:weekly:<ISO week>` in the
 * organisation's store): every team's week from its stored history, ranked by spend and by
 * change, and the organisation's total, which is their sum to the cent (spend of teams the
 * config does not list is its own row). Sent to the top-level weekly audience; returns rows
 * added (0 on a rerun, or when the top-level weekly report is off).
 */
export async function enqueueOrganizationSummary(
  organizationStore: CostStore,
  config: Pick<TrackerConfig, "teams" | "reports" | "units" | "dashboardUrl" | "organization">,
  now: Date,
  resolveUnits: UnitResolver,
): Promise<number> {
  if (!config.reports.weekly.enabled) return 0;
  const monday = lastCompleteWeekStart(now);
  const week = isoWeekOf(monday);
  const labels = [...config.teams.map((team) => team.name), UNASSIGNED_LABEL];
  const days = await organizationStore.listBillingHistoryByTeam(addDays(monday, -7), addDays(monday, 6), labels);
  const weeks = new Map(labels.map((label) => [label, { now: 0, before: 0 }]));
  for (const day of days) {
    const entry = weeks.get(day.team)!;
    if (day.date >= monday) entry.now += toCents(day.totalCostUsd);
    else entry.before += toCents(day.totalCostUsd);
  }
  // The unassigned row only when such spend exists: every configured team is listed, even at $0.
  const rows = [...weeks]
    .filter(([label, week]) => label !== UNASSIGNED_LABEL || week.now !== 0 || week.before !== 0)
    .map(([label, week]) => ({ label, now: week.now, before: week.before }));
  const totalCents = rows.reduce((sum, row) => sum + row.now, 0);
  const previousCents = rows.reduce((sum, row) => sum + row.before, 0);
  const line = (row: (typeof rows)[number]) => [teamWords(row.label), formatUsd(fromCents(row.now)), formatUsd(fromCents(row.before)), formatSignedUsd(fromCents(row.now - row.before)), percentChange(row.now, row.before)];
  const columns = ["Team", `Week of ${monday}`, `Week of ${addDays(monday, -7)}`, "Change", "%"];
  const bySpend = [...rows].sort((a, b) => b.now - a.now || a.label.localeCompare(b.label));
  const byChange = [...rows].sort((a, b) => b.now - b.before - (a.now - a.before) || a.label.localeCompare(b.label));
  const units = config.units ? unitCost(fromCents(totalCents), await resolveUnits(config.units)) : undefined;
  const facts = [
    { label: "This week", value: formatUsd(fromCents(totalCents)) },
    { label: "Previous week", value: `${formatUsd(fromCents(previousCents))} (${percentChange(totalCents, previousCents)})` },
    { label: "Teams", value: String(config.teams.length) },
  ];
  if (config.organization) facts.push({ label: "Monthly budget", value: formatUsd(config.organization.budgetMonthlyUsd) });
  if (config.units && units) {
    facts.push({
      label: `Cost per ${config.units.unitName}`,
      value: units.status === "ok" ? `${formatUsd(units.usdPerUnit)} (${units.units} units)` : units.status === "zero-units" ? "no units this week" : "unknown (unit source unavailable)",
    });
  }
  const message = renderReport({
    type: "organization_weekly_report",
    title: `DigitalOcean costs of the organisation, week ${week}: ${formatUsd(fromCents(totalCents))}`,
    summary: `Week ${week} (${monday} to ${addDays(monday, 6)}): the ${config.teams.length} teams cost ${formatUsd(fromCents(totalCents))} together, ${formatSignedUsd(fromCents(totalCents - previousCents))} on the week before. Each team's own report goes to its recipients.`,
    facts,
    sections: [
      { heading: "Teams by spend", table: { columns, rows: bySpend.map(line) } },
      { heading: "Teams by change", table: { columns, rows: byChange.map(line) } },
    ],
    ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}),
    data: {
      organization: true,
      week,
      from: monday,
      to: addDays(monday, 6),
      totalUsd: fromCents(totalCents),
      previousWeekUsd: fromCents(previousCents),
      teams: bySpend.map((row) => ({ team: row.label, totalUsd: fromCents(row.now), previousWeekUsd: fromCents(row.before) })),
      usdPerUnit: units?.status === "ok" ? units.usdPerUnit : null,
    },
  });
  return organizationStore.enqueueNotifications(keyedNotifications(`${teamKeyPrefix(organizationStore.team)}report:weekly:${week}`, config.reports.weekly.recipients, message), now);
}

