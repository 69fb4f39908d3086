/**
 * The month's figures from stored rows, shared by a team's view and the organisation's: the
 * month to date against a budget with its projection, and days of several teams added up into
 * the organisation's days. Pure: the handler reads the store, these only compute.
 */
import { billingMonthOf, isoDate, monthStart, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { sumBreakdownCents, UNTAGGED } from "../../../core/allocation";
import { untaggedEntry } from "../../../core/advice/rules/untagged";
import { forecastMonthEnd } from "../../../core/forecast";
import { fromCents, sumUsd, toCents } from "../../../core/money";
import type { StoredSuggestion } from "../store/advice-store";
import type { BillingHistoryDay, CostBreakdown, SpendSnapshot, TeamBillingHistoryDay } from "../store/types";
import type { CurrentBilling, SavingsView } from "./views";

/** The first day of `now`'s billing month. */
export function monthFirstOf(now: Date): IsoDate {
  return isoDate(monthStart(billingMonthOf(now)));
}

/**
 * Month to date against `budgetUsd` and the month-end projection. The month to date is the
 * store's current figure of the month (the fresher of a balance check and the organisation's
 * insights: `CostStore.currentSpend`), else the newest history day of the month.
 */
export function currentBillingOf(now: Date, snapshot: SpendSnapshot | null, monthDays: readonly BillingHistoryDay[], budgetUsd: number): CurrentBilling {
  const month = billingMonthOf(now);
  const monthToDateUsd = monthToDateOf(snapshot, monthDays);
  // The store keeps daily totals, not the resource list the tracker prices fixed costs from,
  // so the page projects the whole daily total forward (trailing mean of complete days).
  const forecast = forecastMonthEnd({
    billingMonth: month,
    now,
    monthToDateUsd,
    fixedResources: [],
    usageDaily: monthDays.map((day) => ({ date: day.date, usd: day.totalCostUsd })),
  });
  return {
    billingMonth: month,
    asOf: snapshot ? snapshot.generatedAt.toISOString() : null,
    monthToDateUsd,
    budgetUsd,
    budgetUsedPercent: percentOf(monthToDateUsd, budgetUsd),
    forecast: {
      projectedUsd: forecast.projectedUsd,
      overBudget: toCents(forecast.projectedUsd) > toCents(budgetUsd),
      method: forecast.method,
      dailyRateUsd: forecast.details.usageDailyRateUsd,
      daysUsed: forecast.details.usageDaysUsed,
    },
  };
}

/** The month-to-date figure: the month's current reading, else the newest history day of the month. */
export function monthToDateOf(snapshot: SpendSnapshot | null, monthDays: readonly BillingHistoryDay[]): number {
  return snapshot ? snapshot.monthToDateUsd : (monthDays.at(-1)?.monthToDateUsd ?? 0);
}

/** `usd` as a percentage of `budgetUsd` to one decimal: 152.40 of 300 → 50.8. */
export function percentOf(usd: number, budgetUsd: number): number {
  return Math.round((usd / budgetUsd) * 1000) / 10;
}

/** A summed breakdown back in dollars, keys in their first-seen order. */
function breakdownOf(cents: ReadonlyMap<string, number>): CostBreakdown {
  const breakdown: CostBreakdown = {};
  for (const [key, total] of cents) breakdown[key] = fromCents(total);
  return breakdown;
}

/**
 * Days of several teams (and reserved labels) added up, one day per date with data, oldest
 * first: totals and breakdowns in exact cents. A day's month to date is the sum of each
 * label's month to date on it; a label without a row that day counts with its latest earlier
 * figure of the same month within the days given (a team whose day is not in yet has still
 * spent what it had), so the sum never dips because one team's day is late.
 */
export function sumTeamDays(rows: readonly TeamBillingHistoryDay[]): BillingHistoryDay[] {
  const byDate = new Map<IsoDate, TeamBillingHistoryDay[]>();
  for (const row of rows) {
    const day = byDate.get(row.date);
    if (day) day.push(row);
    else byDate.set(row.date, [row]);
  }
  const latest = new Map<string, { month: BillingMonth; cents: number }>();
  return [...byDate.keys()].sort().map((date) => {
    const day = byDate.get(date)!;
    const month = date.slice(0, 7);
    for (const row of day) latest.set(row.team, { month, cents: toCents(row.monthToDateUsd) });
    let monthToDateCents = 0;
    for (const figure of latest.values()) if (figure.month === month) monthToDateCents += figure.cents;
    return {
      date,
      totalCostUsd: fromCents(day.reduce((sum, row) => sum + toCents(row.totalCostUsd), 0)),
      monthToDateUsd: fromCents(monthToDateCents),
      costByService: breakdownOf(sumBreakdownCents(day.map((row) => row.costByService))),
      costByProject: breakdownOf(sumBreakdownCents(day.map((row) => row.costByProject))),
      costByTag: breakdownOf(sumBreakdownCents(day.map((row) => row.costByTag))),
    };
  });
}

/** Groups rows by their team label, each label's days oldest first as given. */
export function daysByTeam(rows: readonly TeamBillingHistoryDay[]): Map<string, BillingHistoryDay[]> {
  const byTeam = new Map<string, BillingHistoryDay[]>();
  for (const { team, ...day } of rows) {
    const days = byTeam.get(team);
    if (days) days.push(day);
    else byTeam.set(team, [day]);
  }
  return byTeam;
}

/**
 * The advisor's stored suggestions as shown: dismissed ones counted, not listed; untagged
 * resources apart (they save nothing); the known savings added up; and the untagged share of
 * `monthDays`' spend (0 without days).
 */
export function savingsOf(stored: readonly StoredSuggestion[], monthDays: readonly BillingHistoryDay[]): SavingsView {
  const shown = stored.filter((s) => !s.dismissed);
  const savings = shown.filter((s) => s.rule !== "untagged");
  return {
    totalMonthlySavingsUsd: sumUsd(savings.map((s) => s.monthlySavingsUsd ?? 0)),
    suggestions: savings.map((s) => ({
      id: s.id,
      rule: s.rule,
      resource: s.resource,
      action: s.action,
      reason: s.reason,
      monthlySavingsUsd: s.monthlySavingsUsd,
      firstSeenAt: s.firstSeenAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
    })),
    dismissed: stored.length - shown.length,
    untagged: shown.filter((s) => s.rule === "untagged").map(untaggedEntry),
    untaggedShareOfSpend: untaggedShareOf(monthDays),
  };
}

/** The share (0–1) of the days' spend that carries no key:value tag; 0 when nothing was spent. */
export function untaggedShareOf(days: readonly BillingHistoryDay[]): number {
  const spent = sumUsd(days.map((day) => day.totalCostUsd));
  const untaggedUsd = sumUsd(days.map((day) => day.costByTag[UNTAGGED] ?? 0));
  return spent > 0 ? untaggedUsd / spent : 0;
}
