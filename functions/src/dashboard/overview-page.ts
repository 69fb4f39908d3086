/**
 * The organisation overview (a deployment with teams, the dashboard's own password, `/`):
 * every team's month to date, budget, projection and savings, sortable, each team a link to
 * its own page; the organisation's total, the sum of every row to the cent, against its budget
 * when one is configured; the organisation's daily cost; and every team's recent alerts. Plain
 * links only (`?sort=`, `?team=`): the page's CSP allows no script and no form. Drawn with the
 * team page's frame, style and tables (page.ts), so it meets the same phone, dark-mode,
 * contrast and keyboard checks.
 */
import type { IsoDate } from "../../../core/calendar";
import { formatUsd } from "../../../core/money";
import { INSIGHTS_ONLY_NOTE } from "../../../core/team-credentials";
import { teamWords, UNASSIGNED_LABEL } from "../../../core/tracker-settings";
import { ZonedClock } from "./alert-text";
import { OVERVIEW_SORTS } from "./organization";
import { card, dailySection, escapeHtml, eventsList, pageDocument, stackedTable, teamSelector } from "./page";
import type { AlertEventView, Labelled, OrganizationOverview, OverviewSort } from "./views";

/** What the overview shows; built by the handler from the store. */
export interface OverviewPageInput {
  /** The CSP nonce of the page's one style block. */
  nonce: string;
  overview: OrganizationOverview;
  /** First and last day of the organisation's daily chart, and its days with data. */
  from: IsoDate;
  to: IsoDate;
  days: readonly { date: IsoDate; usd: number }[];
  /** IANA zone times are written in (`billing.timeZone`). */
  timeZone: string;
  now: Date;
  /** The organisation's and every team's recent alerts, newest first. */
  events: readonly Labelled<AlertEventView>[];
  /** Every team's name, for the selector. */
  selector: readonly string[];
}

/** Each sort key's link text, and how the heading says the order. */
const SORT_WORDS: Record<OverviewSort, { link: string; order: string }> = {
  spend: { link: "Month to date", order: "largest month to date first" },
  budget: { link: "Budget", order: "largest budget first" },
  projection: { link: "Projected", order: "largest projection first" },
  savings: { link: "Savings", order: "largest savings first, teams not analysed last" },
  name: { link: "Name", order: "by name" },
};

/** The sort links: plain `?sort=` links, the current order marked. */
function sortLinks(current: OverviewSort): string {
  const items = OVERVIEW_SORTS.map((key) => `<li><a href="?sort=${key}"${key === current ? ' aria-current="true"' : ""}>${escapeHtml(SORT_WORDS[key].link)}</a></li>`);
  return `<nav class="sort" id="overview-sort" aria-label="Sort the teams by"><span class="muted" aria-hidden="true">Sort by</span><ul class="links">${items.join("")}</ul></nav>`;
}

/** A projection in words, marked when it passes its budget (said in text, not colour alone). */
function projectionCell(projectedUsd: number, overBudget: boolean | null): string {
  return overBudget ? `<span class="over">${escapeHtml(`${formatUsd(projectedUsd)} · over budget`)}</span>` : escapeHtml(formatUsd(projectedUsd));
}

function teamsTable(overview: OrganizationOverview): string {
  const columns = [{ label: "Team" }, { label: "Month to date", num: true }, { label: "Budget", num: true }, { label: "Projected", num: true }, { label: "Savings/month", num: true }];
  const rows = overview.teams.map((row) => ({
    attributes: `data-team="${escapeHtml(row.team)}"`,
    cells: [
      `<a href="?team=${encodeURIComponent(row.team)}">${escapeHtml(row.team)}</a>${row.insightsOnly ? `<div class="note">${escapeHtml(INSIGHTS_ONLY_NOTE)}</div>` : ""}`,
      escapeHtml(formatUsd(row.monthToDateUsd)),
      escapeHtml(`${formatUsd(row.budgetUsd)} · ${row.budgetUsedPercent.toFixed(1)}% used`),
      projectionCell(row.projectedUsd, row.overBudget),
      escapeHtml(row.monthlySavingsUsd === null ? "not analysed" : formatUsd(row.monthlySavingsUsd)),
    ],
  }));
  const { unassigned, total } = overview;
  if (unassigned) {
    rows.push({
      attributes: `data-team="${UNASSIGNED_LABEL}"`,
      cells: [escapeHtml(teamWords(UNASSIGNED_LABEL)), escapeHtml(formatUsd(unassigned.monthToDateUsd)), "–", escapeHtml(formatUsd(unassigned.projectedUsd)), "–"],
    });
  }
  rows.push({
    attributes: `class="total" data-team="total"`,
    cells: [
      "Organisation total",
      escapeHtml(formatUsd(total.monthToDateUsd)),
      escapeHtml(total.budgetUsd === null ? "not set" : `${formatUsd(total.budgetUsd)} · ${total.budgetUsedPercent!.toFixed(1)}% used`),
      projectionCell(total.projectedUsd, total.overBudget),
      escapeHtml(formatUsd(total.monthlySavingsUsd)),
    ],
  });
  return stackedTable("teams-overview", columns, rows);
}

/** The organisation's figures first: its month to date and projection against its budget, and what the advice could save. */
function summaryCards(overview: OrganizationOverview): string {
  const { total } = overview;
  const teams = `${overview.teams.length} team${overview.teams.length === 1 ? "" : "s"}`;
  const analysed = overview.teams.filter((row) => row.monthlySavingsUsd !== null).length;
  const projectedClass = total.overBudget === null ? "" : total.overBudget ? "over" : "within";
  return [
    card(
      "Organisation month to date",
      formatUsd(total.monthToDateUsd),
      total.budgetUsd === null ? `${escapeHtml(teams)} · no organisation budget (<code>billing.organization</code>)` : `${escapeHtml(teams)} · ${escapeHtml(total.budgetUsedPercent!.toFixed(1))}% of the ${escapeHtml(formatUsd(total.budgetUsd))} organisation budget`,
    ),
    card(
      "Projected month end",
      formatUsd(total.projectedUsd),
      total.overBudget === null ? "each team's projection added up" : `<span class="${projectedClass}">${total.overBudget ? "over" : "within"} the organisation budget</span>`,
      projectedClass,
    ),
    card("Potential savings", `${formatUsd(total.monthlySavingsUsd)}/month`, escapeHtml(`from the advice of ${analysed} of ${teams}`)),
  ].join("");
}

/** Renders the organisation overview page. */
export function renderOverviewPage(input: OverviewPageInput): string {
  const { overview } = input;
  const clock = new ZonedClock(input.timeZone, input.now);
  const section = (id: string, content: string) => `<section id="${id}">${content}</section>`;
  const sections = [
    `<section class="cards" id="summary" aria-label="This month">${summaryCards(overview)}</section>`,
    section("teams", `<h2>Teams this month, ${escapeHtml(SORT_WORDS[overview.sort].order)}</h2>${sortLinks(overview.sort)}${teamsTable(overview)}`),
    section("daily", `<h2>Daily cost of the organisation, ${escapeHtml(clock.date(input.from))} to ${escapeHtml(clock.date(input.to))}</h2>${dailySection(input, clock)}`),
    section("alerts", `<h2>Recent alerts</h2>${eventsList(input.events, clock)}`),
  ];
  const heading = `DigitalOcean cost · organisation · ${overview.billingMonth}`;
  return pageDocument(
    { nonce: input.nonce, title: heading, heading, subline: `Each team's figure is its latest reading · times in ${input.timeZone}`, nav: teamSelector(input.selector, null) },
    sections,
  );
}
