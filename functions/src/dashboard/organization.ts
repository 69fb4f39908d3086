/**
 * A deployment with teams, as the dashboard sees it: where each team's rows are read
 * ({@link DashboardTeams}) and the organisation overview, each team's month to date, budget,
 * projection and savings, and the organisation's total, which is their sum to the cent (spend
 * of teams the config does not list included, as its own row).
 */
import { fromCents, sumUsd, toCents } from "../../../core/money";
import { INSIGHTS_ONLY_NOTE } from "../../../core/team-credentials";
import { UNASSIGNED_LABEL, type DashboardSettings, type DashboardTeamSettings } from "../../../core/tracker-settings";
import { billingMonthOf, isoDate } from "../../../core/calendar";
import type { CostStore } from "../store/cost-store";
import { currentBillingOf, daysByTeam, monthFirstOf, percentOf, savingsOf } from "./figures";
import type { TeamSources } from "./handle";
import type { CurrentBilling, OrganizationOverview, OverviewSort, TeamOverview } from "./views";

/** A team's (or a reserved label's) stores: what its page and its API answers read. */
export type TeamStores = Pick<TeamSources, "store" | "advice" | "calibration" | "cleanup">;

/** A deployment with teams (settings `teams`): the teams, the organisation's budget, and each one's stores. */
export interface DashboardTeams {
  /** Every team in the settings' order: name, budget, config thresholds, insights only. */
  list: readonly DashboardTeamSettings[];
  /** The organisation's own budget and thresholds (`billing.organization`), when configured. */
  organization?: DashboardSettings["organization"];
  /** The stores of one team, or of a reserved label (ORGANIZATION_LABEL: its alerts and unit counts). */
  storesOf(label: string): TeamStores;
  /** Reads that span teams: the overview's month and the organisation's days, one query each. */
  across: Pick<CostStore, "listBillingHistoryByTeam" | "currentSpendByTeam">;
}

/** The keys `?sort=` orders the overview by; the first is the default. */
export const OVERVIEW_SORTS = ["spend", "budget", "projection", "savings", "name"] as const;

/** What an insights-only team's view says instead of advice and clean-up (core/team-credentials). */
export const NOT_ANALYSED_NOTE = `Not analysed: ${INSIGHTS_ONLY_NOTE}.`;

/** Every label whose spend the organisation's total adds up: each team, then spend of teams the config does not list. */
export function spendLabels(teams: DashboardTeams): string[] {
  return [...teams.list.map((team) => team.name), UNASSIGNED_LABEL];
}

/** This month, per label: its current billing figures (the same as its own page shows). */
export interface OrganizationMonth {
  teams: { settings: DashboardTeamSettings; current: CurrentBilling }[];
  /** Spend of teams the config does not list; null when there is none this month. */
  unassigned: CurrentBilling | null;
  monthToDateUsd: number;
  projectedUsd: number;
}

/**
 * Each team's month to date and projection, read in two queries for the whole organisation;
 * the organisation's figures are their sum (and the unassigned spend's) in cents.
 */
export async function organizationMonth(teams: DashboardTeams, now: Date): Promise<OrganizationMonth> {
  const labels = spendLabels(teams);
  const [spend, rows] = await Promise.all([teams.across.currentSpendByTeam(billingMonthOf(now), labels), teams.across.listBillingHistoryByTeam(monthFirstOf(now), isoDate(now), labels)]);
  const days = daysByTeam(rows);
  const currentOf = (label: string, budgetUsd: number) => currentBillingOf(now, spend.get(label) ?? null, days.get(label) ?? [], budgetUsd);
  const perTeam = teams.list.map((settings) => ({ settings, current: currentOf(settings.name, settings.budgetMonthlyUsd) }));
  // No budget is the unassigned spend's: 0 only keeps the type; nothing shows or compares it.
  const unassignedFigures = currentOf(UNASSIGNED_LABEL, 0);
  const unassigned = spend.has(UNASSIGNED_LABEL) || days.has(UNASSIGNED_LABEL) ? unassignedFigures : null;
  const all = [...perTeam.map((team) => team.current), ...(unassigned ? [unassigned] : [])];
  return {
    teams: perTeam,
    unassigned,
    monthToDateUsd: sumUsd(all.map((current) => current.monthToDateUsd)),
    projectedUsd: sumUsd(all.map((current) => current.forecast.projectedUsd)),
  };
}

/** A team's known monthly savings, as its own Savings section adds them up; null when it is not analysed. */
async function teamSavings(teams: DashboardTeams, team: DashboardTeamSettings): Promise<number | null> {
  const advice = teams.storesOf(team.name).advice;
  if (team.insightsOnly || !advice) return null;
  return savingsOf(await advice.listSuggestions(), []).totalMonthlySavingsUsd;
}

/** Larger first, unknown (null) last, then by name. */
function byFigure(pick: (row: TeamOverview) => number | null): (a: TeamOverview, b: TeamOverview) => number {
  return (a, b) => {
    const [x, y] = [pick(a), pick(b)];
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    return toCents(y) - toCents(x) || byName(a, b);
  };
}

function byName(a: TeamOverview, b: TeamOverview): number {
  return a.team < b.team ? -1 : a.team > b.team ? 1 : 0;
}

const ORDER: Record<OverviewSort, (a: TeamOverview, b: TeamOverview) => number> = {
  spend: byFigure((row) => row.monthToDateUsd),
  budget: byFigure((row) => row.budgetUsd),
  projection: byFigure((row) => row.projectedUsd),
  savings: byFigure((row) => row.monthlySavingsUsd),
  name: byName,
};

/**
 * The organisation overview: each team's month to date, budget, projection and savings (null:
 * not analysed), ordered by `sort`; the unassigned spend; and the organisation's total, the
 * sum of every row to the cent, against the organisation's budget when one is configured.
 */
export async function organizationOverview(teams: DashboardTeams, now: Date, sort: OverviewSort): Promise<OrganizationOverview> {
  const [month, savings] = await Promise.all([organizationMonth(teams, now), Promise.all(teams.list.map((team) => teamSavings(teams, team)))]);
  const rows: TeamOverview[] = month.teams.map(({ settings, current }, i) => ({
    team: settings.name,
    insightsOnly: settings.insightsOnly,
    monthToDateUsd: current.monthToDateUsd,
    budgetUsd: current.budgetUsd,
    budgetUsedPercent: current.budgetUsedPercent,
    projectedUsd: current.forecast.projectedUsd,
    overBudget: current.forecast.overBudget,
    monthlySavingsUsd: savings[i]!,
    asOf: current.asOf,
  }));
  const budgetUsd = teams.organization?.budgetMonthlyUsd ?? null;
  const savingsCents = savings.reduce<number>((sum, usd) => sum + (usd === null ? 0 : toCents(usd)), 0);
  return {
    billingMonth: billingMonthOf(now),
    sort,
    teams: rows.sort(ORDER[sort]),
    unassigned: month.unassigned ? { monthToDateUsd: month.unassigned.monthToDateUsd, projectedUsd: month.unassigned.forecast.projectedUsd, asOf: month.unassigned.asOf } : null,
    total: {
      monthToDateUsd: month.monthToDateUsd,
      projectedUsd: month.projectedUsd,
      monthlySavingsUsd: fromCents(savingsCents),
      budgetUsd,
      budgetUsedPercent: budgetUsd === null ? null : percentOf(month.monthToDateUsd, budgetUsd),
      overBudget: budgetUsd === null ? null : toCents(month.projectedUsd) > toCents(budgetUsd),
    },
  };
}
