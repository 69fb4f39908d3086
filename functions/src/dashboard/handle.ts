/**
 * The cost dashboard and its JSON API as one pure request handler:
 * `handleDashboardRequest(request, deps)`. The DigitalOcean web action (web-action.ts) and the
 * tests' local HTTP server only translate to and from it, so what the tests exercise over
 * HTTP is exactly what runs in production.
 *
 * Routes (all behind Basic or bearer auth; every one takes `?team=<name>`, see "Teams" below):
 *   GET  /                          the HTML page
 *   GET  /api/v1/billing/current    month to date, account budget, forecast, as-of
 *   GET  /api/v1/billing/history    daily history, ?from=YYYY-MM-DD&to=YYYY-MM-DD (≤ 366 days, from 2000-01-01)
 *   GET  /api/v1/billing/alerts     alert definitions and recent events
 *   POST /api/v1/billing/alerts     add, change or disable an API-managed threshold (alert-request.ts)
 *   GET  /api/v1/billing/suggestions                the savings advisor's current suggestions
 *   POST /api/v1/billing/suggestions/{id}/dismiss   hide one until its evidence changes
 *   GET  /api/v1/billing/stacks     each stack's latest month: plan estimate against the bill (tracker reconcile)
 *   GET  /api/v1/billing/cleanup    every resource clean-up has marked: state, expiry, action, notice sent, acts on
 *   GET  /api/v1/billing/units      cost per unit (billing.units) per day and month to date, with the count's freshness;
 *                                   ?from&to as for history (default: this month)
 *   GET  /api/v1/billing/allocation ?by=tag|project|service (required), ?from&to (default: this month)
 * Request bodies are capped at 64 KiB (body-limit.ts); the view types live in views.ts.
 *
 * Teams: a single-team deployment answers as it always did (`?team=default` names its one
 * team). With teams, `?team=<name>` scopes every route to that team's rows, and without it a
 * route answers for the organisation (organization.ts): `/` is the overview (`?sort=`), sums
 * across teams for current, history, units and allocation, lists labelled by team for alerts,
 * suggestions, clean-up and stacks; POSTs need a team. A team's own password
 * (`teamPasswords`) reads that team only: without `?team` every route answers for it, and any
 * other `?team` answers 403, whether or not such a team exists.
 */
import { randomBytes } from "node:crypto";
import { addDays, billingMonthOf, daysBetween, isoDate, monthStart, parseIsoDate, type IsoDate } from "../../../core/calendar";
import { fromCents, sumUsd, toCents } from "../../../core/money";
import { thresholdId } from "../../../core/validators";
import { allocationByTagKey, allocationRows, sumBreakdownCents, UNTAGGED } from "../../../core/allocation";
import { FORECAST_EVENT_KEY_PREFIX, thresholdEventKeyPrefix } from "../../../core/billing-thresholds";
import { DEFAULT_TIME_ZONE, IMPLICIT_TEAM_NAME, ORGANIZATION_LABEL, type DashboardTeamSettings } from "../../../core/tracker-settings";
import { dailyUnitCosts, monthToDateUnitCost, UNIT_COUNT_FRESH_HOURS, unitCountFreshness, type UnitCostFigure } from "../../../core/unit-cost";
import type { AdviceStore } from "../store/advice-store";
import type { CalibrationStore } from "../store/calibration-store";
import type { CostStore } from "../store/cost-store";
import type { AlertEvent, AlertRecipients, BillingHistoryDay, CostAlert, CostBreakdown } from "../store/types";
import { readAlertRequest } from "./alert-request";
import { AUTH_REALM, authenticate, type DashboardAuth, type DashboardViewer } from "./auth";
import { bodyExceeds, MAX_REQUEST_BODY_BYTES } from "./body-limit";
import { BOOKKEEPING_KINDS, describeAlerts, kindOf, runbookLinkFor, ZonedClock } from "./alert-text";
import { currentBillingOf, monthFirstOf, monthToDateOf, savingsOf, sumTeamDays, untaggedShareOf } from "./figures";
import { organizationMonth, organizationOverview, OVERVIEW_SORTS, spendLabels, type DashboardTeams } from "./organization";
import { renderOverviewPage } from "./overview-page";
import { renderDashboardPage, type TeamHeading } from "./page";
import type { AlertEventView, AlertView, AllocationView, CleanupMarkView, CleanupMode, CleanupView, CurrentBilling, Labelled, OverviewSort, SavingsView, StackView, TagAllocationView, UnitFigure, UnitsView } from "./views";

/** An HTTP request as the web action or a test server hands it over. */
export interface DashboardRequest {
  method: string;
  /** Path below the action, e.g. "/api/v1/billing/current"; "" means "/". */
  path: string;
  /** Header names in any case. */
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  /** Raw request body, or an already-parsed JSON object (non-raw web actions merge it into params). */
  body: string | Readonly<Record<string, unknown>> | undefined;
}

/** What the web action returns to DigitalOcean (and the test server writes to the socket). */
export interface DashboardResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The store calls the dashboard makes; a `CostStore` satisfies it. */
export type DashboardStore = Pick<
  CostStore,
  "currentSpend" | "listBillingHistory" | "listAlerts" | "listAlertEvents" | "lastFiredAt" | "upsertApiAlert" | "listUnitCounts" | "latestUnitCount"
>;

/** A threshold defined by the tracker's config: authoritative, never editable through the API. */
export interface ConfigThreshold {
  id: string;
  amountUsd: number;
}

/** One team's rows and settings: what its page and its API answers read. */
export interface TeamSources {
  store: DashboardStore;
  /**
   * The ACCOUNT's monthly budget (stack config `billing.budgetMonthlyUsd`) the month to date and the
   * forecast are compared with; not the policy pack's per-stack `maxMonthlyUsd`.
   */
  budgetMonthlyUsd: number;
  /** The tracker config's thresholds (ids `mtd-<amount>`); POSTs for these answer 409. */
  configThresholds?: readonly ConfigThreshold[];
  /** The savings advisor's store; without it the Savings section is empty and dismissals answer 404. */
  advice?: Pick<AdviceStore, "listSuggestions" | "dismissSuggestion">;
  /** Where `tracker reconcile` keeps each stack's estimate against its bill; no Stacks section without it. */
  calibration?: Pick<CalibrationStore, "listStackReconciliations">;
  /** Where clean-up keeps every marked resource (`cleanup_marks`); the Clean-up section lists none without it. */
  cleanup?: Pick<AdviceStore, "cleanupMarks">;
  /** Where the unit counts are read; `store` when absent. With teams, the organisation's: units are the business's, counted once. */
  unitCounts?: Pick<CostStore, "listUnitCounts" | "latestUnitCount">;
}

/**
 * Everything the handler needs; the clock is injected so tests and replays are deterministic.
 * Its {@link TeamSources} are a single-team deployment's; with {@link teams} they are not read:
 * each request reads the stores of its team, or of every team.
 */
export interface DashboardDeps extends TeamSources {
  auth: DashboardAuth;
  now: Date;
  /** A deployment with teams (settings `teams`); absent for a single-team one. */
  teams?: DashboardTeams;
  /** Each team's own password (DASHBOARD_TEAM_PASSWORDS): it opens that team's view and nothing else. */
  teamPasswords?: ReadonlyMap<string, string>;
  /** Whether the daily task runs clean-up and acts (`billing.cleanup`); unknown when absent. */
  cleanupMode?: CleanupMode;
  /** IANA zone the page and the alert sentences write times in (`billing.timeZone`); default UTC. */
  timeZone?: string;
  /** Where docs/runbook.md is hosted (`billing.runbookUrl`): alerts link to their section. */
  runbookUrl?: string;
  /** Where failures are reported (never with secrets); silent when absent. */
  log?: (line: string) => void;
}

/** Days of daily bars on the page. */
export const PAGE_HISTORY_DAYS = 60;
/** Longest range `/api/v1/billing/history` serves in one response (a leap year). */
export const MAX_HISTORY_RANGE_DAYS = 366;
/**
 * Earliest date `/api/v1/billing/history` accepts. DigitalOcean opened in 2011, so nothing is
 * stored before it; the floor also keeps every derived date (a default `from` is 59 days before
 * `to`) in years core/calendar can represent — a year below 100 is not a date it parses, and
 * `to=0100-01-10` used to reach the store and answer 503.
 */
export const EARLIEST_HISTORY_DATE: IsoDate = "2000-01-01";

/** A request the handler refuses, with the status and the message the caller sees. */
class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const API_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): DashboardResponse {
  return { statusCode, headers: { ...API_HEADERS, ...headers }, body: JSON.stringify(value) };
}

function headerValue(headers: DashboardRequest["headers"], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** A query date parameter; the message names the parameter and quotes (the start of) the bad value. */
function dateParameter(query: DashboardRequest["query"], name: string, fallback: IsoDate): IsoDate {
  const value = query[name];
  if (value === undefined || value === "") return fallback;
  const quoted = JSON.stringify(value.slice(0, 40));
  try {
    parseIsoDate(value);
  } catch {
    throw new HttpError(400, `${name} must be a date like 2026-11-27 (got ${quoted})`);
  }
  if (value < EARLIEST_HISTORY_DATE) throw new HttpError(400, `${name} must be ${EARLIEST_HISTORY_DATE} or later (got ${quoted})`);
  return value;
}

/** The scope's month so far: its current reading (CostStore.currentSpend) against its budget, and the projection. */
async function currentBilling(deps: DashboardDeps, monthDays: readonly BillingHistoryDay[]): Promise<CurrentBilling> {
  return currentBillingOf(deps.now, await deps.store.currentSpend(billingMonthOf(deps.now)), monthDays, deps.budgetMonthlyUsd);
}

/** Adds up one breakdown over many days, largest first, in exact cents. */
function totalByKey(days: readonly BillingHistoryDay[], pick: (day: BillingHistoryDay) => CostBreakdown): { key: string; usd: number }[] {
  return allocationRows(sumBreakdownCents(days.map(pick)));
}

function clockOf(deps: DashboardDeps): ZonedClock {
  return new ZonedClock(deps.timeZone ?? DEFAULT_TIME_ZONE, deps.now);
}

/** What every event key of an alert definition starts with: how its "last fired" is found among the events. */
function eventKeyPrefix(alert: { id: string; kind: CostAlert["kind"] }): string {
  return alert.kind === "forecast" ? FORECAST_EVENT_KEY_PREFIX : thresholdEventKeyPrefix(alert.id);
}

function alertView(alert: CostAlert, lastFired: ReadonlyMap<string, Date>, deps: DashboardDeps): AlertView {
  return {
    id: alert.id,
    kind: alert.kind,
    thresholdUsd: alert.thresholdUsd,
    enabled: alert.enabled,
    source: alert.source,
    lastTriggeredAt: lastFired.get(eventKeyPrefix(alert))?.toISOString() ?? null,
    recipients: { email: alert.recipients.email, slackChannels: alert.recipients.slack.map((s) => s.channel), webhooks: alert.recipients.webhook.length },
    runbookUrl: runbookLinkFor(alert.kind, deps.runbookUrl),
  };
}

/**
 * Stored alerts plus config thresholds the store does not hold (yet), by kind then amount.
 * "Last fired" is read from alert_events, the rows the recent alerts list shows, so the two
 * always agree (cost_alerts.last_triggered_at is not stamped by config thresholds).
 */
async function alertViews(deps: DashboardDeps): Promise<AlertView[]> {
  const stored: CostAlert[] = [...(await deps.store.listAlerts())];
  const storedIds = new Set(stored.map((alert) => alert.id));
  for (const threshold of deps.configThresholds ?? []) {
    if (storedIds.has(threshold.id)) continue;
    stored.push({ id: threshold.id, kind: "threshold", thresholdUsd: threshold.amountUsd, enabled: true, source: "config", lastTriggeredAt: null, recipients: { email: [], slack: [], webhook: [] } });
  }
  const lastFired = await deps.store.lastFiredAt([...new Set(stored.map(eventKeyPrefix))]);
  return stored
    .map((alert) => alertView(alert, lastFired, deps))
    .sort((a, b) => (a.kind === b.kind ? a.thresholdUsd - b.thresholdUsd || (a.id < b.id ? -1 : 1) : a.kind < b.kind ? -1 : 1));
}

/** This month's and last month's events, newest first, each with its sentence; the tracker's bookkeeping rows left out. */
async function recentEvents(deps: DashboardDeps): Promise<AlertEventView[]> {
  const month = billingMonthOf(deps.now);
  const previous = billingMonthOf(new Date(monthStart(month).getTime() - 1));
  const events: AlertEvent[] = [...(await deps.store.listAlertEvents(previous)), ...(await deps.store.listAlertEvents(month))]
    .filter((event) => !BOOKKEEPING_KINDS.has(kindOf(event.payload)))
    .sort((a, b) => b.firedAt.getTime() - a.firedAt.getTime() || b.id - a.id);
  const rows = events.map((event) => ({ alertKey: event.alertKey, billingMonth: event.billingMonth, firedAt: event.firedAt.toISOString(), payload: event.payload }));
  const sentences = describeAlerts(rows, clockOf(deps), deps.runbookUrl);
  return rows.map((row, i) => ({ ...row, label: sentences[i]!.label, summary: sentences[i]!.sentence, runbookUrl: sentences[i]!.runbookUrl }));
}

/** A figure of core/unit-cost as the API shows it (instants as ISO strings). */
function unitFigure(figure: UnitCostFigure): UnitFigure {
  return { usd: figure.usd, units: figure.units, usdPerUnit: figure.usdPerUnit, status: figure.status, readAt: figure.readAt ? figure.readAt.toISOString() : null };
}

/**
 * Cost per unit: each day of [from, to] with history, divided by the count read that day, and
 * the month to date divided by the newest count if it is fresh. Reads only the store.
 */
async function unitsView(deps: DashboardDeps, days: readonly BillingHistoryDay[], from: IsoDate, to: IsoDate, monthToDateUsd: number): Promise<UnitsView> {
  const counts = deps.unitCounts ?? deps.store;
  const [readings, newest] = await Promise.all([counts.listUnitCounts(parseIsoDate(from), parseIsoDate(addDays(to, 1))), counts.latestUnitCount(deps.now)]);
  const freshness = unitCountFreshness(newest, deps.now);
  return {
    unitName: newest?.unitName ?? null,
    freshForHours: UNIT_COUNT_FRESH_HOURS,
    latest:
      freshness.state === "none" || !newest
        ? null
        : { readAt: freshness.readAt.toISOString(), ageHours: Math.round(freshness.ageHours * 10) / 10, units: freshness.units, sourceKind: newest.sourceKind, state: freshness.state },
    monthToDate: { billingMonth: billingMonthOf(deps.now), ...unitFigure(monthToDateUnitCost(monthToDateUsd, freshness)) },
    days: dailyUnitCosts(
      days.filter((day) => day.date >= from && day.date <= to).map((day) => ({ date: day.date, usd: day.totalCostUsd })),
      readings,
    ).map((figure) => ({ date: figure.date, ...unitFigure(figure) })),
  };
}

/** The dimensions `GET /api/v1/billing/allocation` splits by. */
export const ALLOCATION_DIMENSIONS = ["tag", "project", "service"] as const;
type AllocationDimension = (typeof ALLOCATION_DIMENSIONS)[number];

/** Each share of the days' total, 0–1 (0 when the total is 0). */
function shareOf(days: readonly BillingHistoryDay[]): { totalCents: number; share: (usd: number) => number } {
  const totalCents = days.reduce((sum, day) => sum + toCents(day.totalCostUsd), 0);
  return { totalCents, share: (usd) => (totalCents === 0 ? 0 : toCents(usd) / totalCents) };
}

/** The days' cost per tag key; every key's rows add up to the total (core/allocation). */
function tagAllocation(days: readonly BillingHistoryDay[], from: IsoDate, to: IsoDate): TagAllocationView {
  const { totalCents, share } = shareOf(days);
  const byTag = sumBreakdownCents(days.map((day) => day.costByTag));
  const untaggedUsd = (byTag.get(UNTAGGED) ?? 0) / 100;
  return {
    by: "tag",
    from,
    to,
    totalUsd: totalCents / 100,
    untagged: { usd: untaggedUsd, share: share(untaggedUsd) },
    tagKeys: allocationByTagKey(byTag, totalCents).map(({ tagKey, rows }) => ({ tagKey, rows: rows.map((row) => ({ ...row, share: share(row.usd) })) })),
  };
}

/** The days' cost split by one dimension. */
function allocationView(by: AllocationDimension, days: readonly BillingHistoryDay[], from: IsoDate, to: IsoDate): AllocationView {
  if (by === "tag") return tagAllocation(days, from, to);
  const { totalCents, share } = shareOf(days);
  const rows = totalByKey(days, (day) => (by === "project" ? day.costByProject : day.costByService));
  return { by, from, to, totalUsd: totalCents / 100, rows: rows.map((row) => ({ ...row, share: share(row.usd) })) };
}

function parseBody(body: DashboardRequest["body"]): Record<string, unknown> {
  let value: unknown = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      throw new HttpError(400, "the request body must be JSON like {\"amountUsd\": 75, \"email\": [\"ops@example.com\"]}");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "the request body must be a JSON object like {\"amountUsd\": 75, \"email\": [\"ops@example.com\"]}");
  }
  return value as Record<string, unknown>;
}

async function postAlert(request: DashboardRequest, scope: TeamScope): Promise<DashboardResponse> {
  const { deps } = scope;
  const contentType = headerValue(request.headers, "content-type");
  if (typeof request.body === "string" && contentType !== undefined && !/^application\/json\b/i.test(contentType)) {
    throw new HttpError(415, "send the body as Content-Type: application/json");
  }
  const checked = readAlertRequest(parseBody(request.body));
  if (!checked.ok) throw new HttpError(400, checked.error);
  const wanted = checked.request;
  const id = thresholdId(wanted.amountUsd);
  const stored = await deps.store.listAlerts();
  const existing = stored.find((alert) => alert.id === id);
  if (existing?.source === "config" || (deps.configThresholds ?? []).some((threshold) => threshold.id === id)) {
    throw new HttpError(409, `the ${id} threshold is defined in the tracker config, which is authoritative: change it there and redeploy`);
  }
  const recipients: AlertRecipients = {
    email: wanted.email ?? existing?.recipients.email ?? [],
    slack: wanted.slack ?? existing?.recipients.slack ?? [],
    webhook: existing?.recipients.webhook ?? [],
  };
  const enabled = wanted.enabled ?? true;
  if (enabled && recipients.email.length + recipients.slack.length + recipients.webhook.length === 0) {
    throw new HttpError(400, "an enabled threshold needs a recipient: give email or slack");
  }
  await deps.store.upsertApiAlert({ id, kind: "threshold", thresholdUsd: wanted.amountUsd, recipients, enabled });
  const saved = (await deps.store.listAlerts()).find((alert) => alert.id === id);
  if (!saved) throw new Error(`alert ${id} was not found after saving it`);
  return reply(scope, { alert: alertView(saved, await deps.store.lastFiredAt([eventKeyPrefix(saved)]), deps) }, existing ? 200 : 201);
}

/** The advisor's suggestions (dismissed ones counted, not listed) and the untagged share of this month's spend. */
async function savingsView(deps: DashboardDeps, monthDays: readonly BillingHistoryDay[]): Promise<SavingsView> {
  return savingsOf(deps.advice ? await deps.advice.listSuggestions() : [], monthDays);
}

/** Each stack's most recent reconciled month (rows come newest month first). */
async function stackViews(deps: DashboardDeps): Promise<StackView[]> {
  const latest = new Map<string, StackView>();
  for (const row of deps.calibration ? await deps.calibration.listStackReconciliations() : []) {
    if (latest.has(row.stackTag)) continue;
    latest.set(row.stackTag, {
      stackTag: row.stackTag,
      billingMonth: row.billingMonth,
      estimatedUsd: row.estimatedUsd,
      billedUsd: row.billedUsd,
      differenceUsd: row.differenceUsd,
      unplannedBilledUsd: row.unplannedBilledUsd,
      resources: row.resources.map((r) => ({ name: r.name, type: r.type, status: r.status, estimatedUsd: r.estimatedUsd, billedUsd: r.billedUsd, explanations: r.explanations })),
    });
  }
  return [...latest.values()];
}

/** The page's order: what a person must look at first, then what happens next, then what is over. */
const CLEANUP_STATE_ORDER: readonly CleanupMarkView["state"][] = ["needs-attention", "due", "notice-delivered", "marked", "acted", "skipped"];

/** Whether clean-up runs and acts, and its runbook section: what the Clean-up section and its API say beside the marks. */
function cleanupSettings(deps: DashboardDeps): Omit<CleanupView, "marks"> {
  return {
    settings: deps.cleanupMode ? { enabled: deps.cleanupMode.enabled, apply: deps.cleanupMode.apply } : null,
    runbookUrl: runbookLinkFor("cleanup_notice", deps.runbookUrl),
  };
}

/**
 * Every resource clean-up has marked, as of the dashboard's clock, the ones needing a person
 * first (then by kind and name). The one place the section and its API read clean-up from.
 */
async function cleanupView(deps: DashboardDeps): Promise<CleanupView> {
  const marks = deps.cleanup ? await deps.cleanup.cleanupMarks(deps.now) : [];
  return {
    ...cleanupSettings(deps),
    // A stable sort: the store's order (kind, name) within each state.
    marks: byCleanupState(marks).map((mark) => ({
      resource: mark.resource,
      state: mark.state,
      expires: mark.expires,
      action: mark.action,
      noticeSentOn: mark.noticeDeliveredOn,
      previewSentOn: mark.previewDeliveredOn,
      actsOn: mark.actOn,
      reason: mark.reason,
      updatedAt: mark.updatedAt.toISOString(),
    })),
  };
}

/** Marks in the page's order of states ({@link CLEANUP_STATE_ORDER}), the given order kept within a state. */
function byCleanupState<T extends { state: CleanupMarkView["state"] }>(marks: readonly T[]): T[] {
  const rank = (mark: T) => CLEANUP_STATE_ORDER.indexOf(mark.state);
  return [...marks].sort((a, b) => rank(a) - rank(b));
}

const DISMISS_PATH = /^\/api\/v1\/billing\/suggestions\/([^/]{1,200})\/dismiss$/;

async function dismiss(id: string, scope: TeamScope): Promise<DashboardResponse> {
  const { advice } = scope.deps;
  if (!advice || !(await advice.dismissSuggestion(id))) throw new HttpError(404, `no current suggestion ${JSON.stringify(id.slice(0, 100))}`);
  return reply(scope, { id, dismissed: true });
}

function pageWindow(now: Date): { from: IsoDate; to: IsoDate } {
  const to = isoDate(now);
  return { from: addDays(to, -(PAGE_HISTORY_DAYS - 1)), to };
}

/** An HTML page under the dashboard's CSP: no script at all, one nonce'd style block, nothing fetched from anywhere, no form. */
function htmlPage(render: (nonce: string) => string): DashboardResponse {
  const nonce = randomBytes(16).toString("base64");
  return {
    statusCode: 200,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
    body: render(nonce),
  };
}

/** The team selector's links: every team, for the dashboard's own password only (a team's password sees its team alone). */
function selectorOf(scope: Scope): readonly string[] | null {
  return scope.deps.teams && scope.viewer.kind === "all" ? scope.deps.teams.list.map((team) => team.name) : null;
}

/** One team's page (a single-team deployment's is the whole page): every section, from that team's rows. */
async function teamPage(scope: TeamScope): Promise<DashboardResponse> {
  const { deps } = scope;
  const { from, to } = pageWindow(deps.now);
  const monthFirst = monthFirstOf(deps.now);
  const history = await deps.store.listBillingHistory(from < monthFirst ? from : monthFirst, to);
  const monthDays = history.filter((day) => day.date >= monthFirst);
  const current = await currentBilling(deps, monthDays);
  const [alerts, events, savings, stacks, units, cleanup] = await Promise.all([
    alertViews(deps),
    recentEvents(deps),
    savingsView(deps, monthDays),
    stackViews(deps),
    unitsView(deps, monthDays, monthFirst, to, current.monthToDateUsd),
    cleanupView(deps),
  ]);
  const team: TeamHeading | undefined = scope.team ? { name: scope.team.name, insightsOnly: scope.team.insightsOnly, selector: selectorOf(scope) } : undefined;
  return htmlPage((nonce) =>
    renderDashboardPage({
      nonce,
      current,
      from,
      to,
      timeZone: deps.timeZone ?? DEFAULT_TIME_ZONE,
      now: deps.now,
      days: history.filter((day) => day.date >= from).map((day) => ({ date: day.date, usd: day.totalCostUsd })),
      byService: totalByKey(monthDays, (day) => day.costByService),
      byProject: totalByKey(monthDays, (day) => day.costByProject),
      byTag: tagAllocation(monthDays, monthFirst, to),
      units,
      alerts,
      events: events.slice(0, 20),
      savings,
      cleanup,
      stacks,
      ...(team ? { team } : {}),
    }),
  );
}

/** The organisation overview: each team's month against its budget, sorted by `sort`; the organisation's days; every recent alert. */
async function overviewPage(scope: OrganizationScope, sort: OverviewSort): Promise<DashboardResponse> {
  const { deps, teams } = scope;
  const { from, to } = pageWindow(deps.now);
  const [overview, days, events] = await Promise.all([organizationOverview(teams, deps.now, sort), organizationDays(teams, from, to), organizationEvents(scope)]);
  return htmlPage((nonce) =>
    renderOverviewPage({
      nonce,
      overview,
      from,
      to,
      timeZone: deps.timeZone ?? DEFAULT_TIME_ZONE,
      now: deps.now,
      days: days.map((day) => ({ date: day.date, usd: day.totalCostUsd })),
      events: events.slice(0, 20),
      selector: selectorOf(scope) ?? [],
    }),
  );
}

/**
 * A range route's `from`/`to` query, checked: dates from {@link EARLIEST_HISTORY_DATE}, from
 * not after to, at most {@link MAX_HISTORY_RANGE_DAYS} days. `to` defaults to today, `from` to
 * `defaultFrom(to)`.
 */
function dateRange(request: DashboardRequest, deps: DashboardDeps, defaultFrom: (to: IsoDate) => IsoDate): { from: IsoDate; to: IsoDate } {
  const to = dateParameter(request.query, "to", isoDate(deps.now));
  const from = dateParameter(request.query, "from", defaultFrom(to));
  const span = daysBetween(from, to) + 1;
  if (span < 1) throw new HttpError(400, `from must not be after to (got from=${from}, to=${to})`);
  if (span > MAX_HISTORY_RANGE_DAYS) throw new HttpError(400, `from..to spans ${span} days; ask for at most ${MAX_HISTORY_RANGE_DAYS}`);
  return { from, to };
}

/** The first day of `to`'s month: the default start of the per-unit and allocation ranges. */
const monthOf = (to: IsoDate): IsoDate => `${to.slice(0, 7)}-01`;

/** The organisation's days from `from` to `to`: every team's and the unassigned spend, added up in cents. */
async function organizationDays(teams: DashboardTeams, from: IsoDate, to: IsoDate): Promise<BillingHistoryDay[]> {
  return sumTeamDays(await teams.across.listBillingHistoryByTeam(from, to, spendLabels(teams)));
}

/** The scope's days: one team's stored history, or the organisation's summed. */
function daysOf(scope: Scope, from: IsoDate, to: IsoDate): Promise<BillingHistoryDay[]> {
  return scope.kind === "organization" ? organizationDays(scope.teams, from, to) : scope.deps.store.listBillingHistory(from, to);
}

async function history(request: DashboardRequest, scope: Scope): Promise<DashboardResponse> {
  const { from, to } = dateRange(request, scope.deps, (end) => addDays(end, -(PAGE_HISTORY_DAYS - 1)));
  if (scope.kind === "team") {
    const days = await scope.deps.store.listBillingHistory(from, to);
    return reply(scope, { from, to, totalUsd: sumUsd(days.map((d) => d.totalCostUsd)), days });
  }
  const rows = await scope.teams.across.listBillingHistoryByTeam(from, to, spendLabels(scope.teams));
  const days = sumTeamDays(rows);
  // Every configured team, even at $0; the unassigned spend only when there is some.
  const totals = new Map<string, number>(scope.teams.list.map((team) => [team.name, 0]));
  for (const row of rows) totals.set(row.team, (totals.get(row.team) ?? 0) + toCents(row.totalCostUsd));
  return reply(scope, {
    from,
    to,
    totalUsd: sumUsd(days.map((d) => d.totalCostUsd)),
    days,
    teams: [...totals].map(([team, cents]) => ({ team, totalUsd: fromCents(cents) })),
  });
}

async function units(request: DashboardRequest, scope: Scope): Promise<DashboardResponse> {
  const { deps } = scope;
  const { from, to } = dateRange(request, deps, monthOf);
  const monthFirst = monthFirstOf(deps.now);
  const today = isoDate(deps.now);
  const days = await daysOf(scope, from < monthFirst ? from : monthFirst, to > today ? to : today);
  if (scope.kind === "organization") {
    const unitCounts = scope.teams.storesOf(ORGANIZATION_LABEL).store;
    return reply(scope, await unitsView({ ...deps, unitCounts }, days, from, to, (await organizationMonth(scope.teams, deps.now)).monthToDateUsd));
  }
  const monthToDateUsd = monthToDateOf(await deps.store.currentSpend(billingMonthOf(deps.now)), days.filter((day) => day.date >= monthFirst && day.date <= today));
  return reply(scope, await unitsView(deps, days, from, to, monthToDateUsd));
}

async function allocation(request: DashboardRequest, scope: Scope): Promise<DashboardResponse> {
  const by = request.query.by;
  if (!(ALLOCATION_DIMENSIONS as readonly (string | undefined)[]).includes(by)) {
    throw new HttpError(400, `by must be one of ${ALLOCATION_DIMENSIONS.join(", ")} (got ${by === undefined ? "nothing" : JSON.stringify(by.slice(0, 40))})`);
  }
  const { from, to } = dateRange(request, scope.deps, monthOf);
  return reply(scope, allocationView(by as AllocationDimension, await daysOf(scope, from, to), from, to));
}

async function current(request: DashboardRequest, scope: Scope): Promise<DashboardResponse> {
  const sort = sortParameter(request, scope.deps);
  if (scope.kind === "organization") return reply(scope, await organizationOverview(scope.teams, scope.deps.now, sort));
  return reply(scope, await currentBilling(scope.deps, await scope.deps.store.listBillingHistory(monthFirstOf(scope.deps.now), isoDate(scope.deps.now))));
}

/** Each label's part of an organisation-wide list, read side by side. */
function perLabel<T>(labels: readonly string[], read: (label: string) => Promise<T>): Promise<{ team: string; part: T }[]> {
  return Promise.all(labels.map(async (team) => ({ team, part: await read(team) })));
}

/** The deps of one team of the organisation (or of the organisation's own label): its stores and its config thresholds. */
function labelDeps(scope: OrganizationScope, label: string): DashboardDeps {
  const team = scope.teams.list.find((entry) => entry.name === label);
  return team ? teamDeps(scope.deps, scope.teams, team) : { ...scope.deps, ...scope.teams.storesOf(label), configThresholds: scope.teams.organization?.thresholds ?? [] };
}

/** The labels whose alerts the organisation lists: its own thresholds' first, then each team's. */
function alertLabels(teams: DashboardTeams): string[] {
  return [ORGANIZATION_LABEL, ...teams.list.map((team) => team.name)];
}

/** The recent alerts of the organisation's own thresholds and of every team, labelled, newest first. */
async function organizationEvents(scope: OrganizationScope): Promise<Labelled<AlertEventView>[]> {
  const parts = await perLabel(alertLabels(scope.teams), (label) => recentEvents(labelDeps(scope, label)));
  // Stable: events of the same instant keep the labels' order.
  return parts.flatMap(({ team, part }) => part.map((event) => ({ team, ...event }))).sort((a, b) => (a.firedAt < b.firedAt ? 1 : a.firedAt > b.firedAt ? -1 : 0));
}

/** Every alert definition (the organisation's, then each team's) and every recent event, labelled. */
async function organizationAlerts(scope: OrganizationScope): Promise<{ alerts: Labelled<AlertView>[]; events: Labelled<AlertEventView>[] }> {
  const [parts, events] = await Promise.all([perLabel(alertLabels(scope.teams), (label) => alertViews(labelDeps(scope, label))), organizationEvents(scope)]);
  return { alerts: parts.flatMap(({ team, part }) => part.map((alert) => ({ team, ...alert }))), events };
}

/** The analysed teams (those with a read token of their own): advice, clean-up and stacks exist only for them. */
function analysedTeams(teams: DashboardTeams): string[] {
  return teams.list.filter((team) => !team.insightsOnly).map((team) => team.name);
}

/** Every analysed team's suggestions, largest saving first, and the organisation's untagged share of this month's spend. */
async function organizationSavings(scope: OrganizationScope): Promise<Record<string, unknown>> {
  const { deps, teams } = scope;
  const [parts, monthDays] = await Promise.all([
    perLabel(analysedTeams(teams), async (label) => savingsOf((await labelDeps(scope, label).advice?.listSuggestions()) ?? [], [])),
    organizationDays(teams, monthFirstOf(deps.now), isoDate(deps.now)),
  ]);
  const analysed = new Map(parts.map(({ team, part }) => [team, part]));
  const byTeam = teams.list.map((team) => ({ team: team.name, analysed: analysed.has(team.name), totalMonthlySavingsUsd: analysed.get(team.name)?.totalMonthlySavingsUsd ?? null }));
  const suggestions = parts.flatMap(({ team, part }) => part.suggestions.map((suggestion) => ({ team, ...suggestion })));
  // Stable: within equal savings, the teams' order and each team's own.
  suggestions.sort((a, b) => (b.monthlySavingsUsd ?? -1) - (a.monthlySavingsUsd ?? -1));
  return {
    totalMonthlySavingsUsd: sumUsd(parts.map(({ part }) => part.totalMonthlySavingsUsd)),
    suggestions,
    dismissed: parts.reduce((sum, { part }) => sum + part.dismissed, 0),
    untagged: parts.flatMap(({ team, part }) => part.untagged.map((entry) => ({ team, ...entry }))),
    untaggedShareOfSpend: untaggedShareOf(monthDays),
    teams: byTeam,
  };
}

/** Every analysed team's marked resources, the ones needing a person first (then the teams' order). */
async function organizationCleanup(scope: OrganizationScope): Promise<CleanupView & { marks: Labelled<CleanupMarkView>[] }> {
  const parts = await perLabel(analysedTeams(scope.teams), (label) => cleanupView(labelDeps(scope, label)));
  return { ...cleanupSettings(scope.deps), marks: byCleanupState(parts.flatMap(({ team, part }) => part.marks.map((mark) => ({ team, ...mark })))) };
}

/** Every analysed team's stacks, labelled. */
async function organizationStacks(scope: OrganizationScope): Promise<Labelled<StackView>[]> {
  const parts = await perLabel(analysedTeams(scope.teams), (label) => stackViews(labelDeps(scope, label)));
  return parts.flatMap(({ team, part }) => part.map((stack) => ({ team, ...stack })));
}

/** A POST changes one team's rows: with teams, the dashboard's own password names it with `?team`. */
function writableScope(scope: Scope, what: string): TeamScope {
  if (scope.kind === "team") return scope;
  throw new HttpError(400, `team is required: ${what} belongs to one team (add ?team=<name>; teams: ${teamList(scope.teams)})`);
}

/** What a route does for a scope (a team, or the organisation), by method. */
type Route = { [method: string]: (request: DashboardRequest, scope: Scope) => Promise<DashboardResponse> };

const ROUTES: Record<string, Route> = {
  "/": {
    GET: (request, scope) => {
      const sort = sortParameter(request, scope.deps);
      return scope.kind === "organization" ? overviewPage(scope, sort) : teamPage(scope);
    },
  },
  "/api/v1/billing/current": { GET: current },
  "/api/v1/billing/history": { GET: history },
  "/api/v1/billing/alerts": {
    GET: async (_request, scope) =>
      reply(scope, scope.kind === "organization" ? await organizationAlerts(scope) : { alerts: await alertViews(scope.deps), events: await recentEvents(scope.deps) }),
    POST: (request, scope) => postAlert(request, writableScope(scope, "an API-managed threshold")),
  },
  "/api/v1/billing/stacks": {
    GET: async (_request, scope) => reply(scope, { stacks: scope.kind === "organization" ? await organizationStacks(scope) : await stackViews(scope.deps) }),
  },
  "/api/v1/billing/cleanup": { GET: async (_request, scope) => reply(scope, scope.kind === "organization" ? await organizationCleanup(scope) : await cleanupView(scope.deps)) },
  "/api/v1/billing/units": { GET: units },
  "/api/v1/billing/allocation": { GET: allocation },
  "/api/v1/billing/suggestions": {
    GET: async (_request, scope) =>
      reply(
        scope,
        scope.kind === "organization" ? await organizationSavings(scope) : await savingsView(scope.deps, await scope.deps.store.listBillingHistory(monthFirstOf(scope.deps.now), isoDate(scope.deps.now))),
      ),
  },
};

/** One team's view: a single-team deployment's (no `team`), or one team of a deployment with teams. */
interface TeamScope {
  kind: "team";
  deps: DashboardDeps;
  team?: DashboardTeamSettings;
  viewer: DashboardViewer;
}

/** The whole organisation of a deployment with teams: the dashboard's own password without `?team`. */
interface OrganizationScope {
  kind: "organization";
  deps: DashboardDeps;
  teams: DashboardTeams;
  viewer: DashboardViewer;
}

/** Whose rows a request reads. */
type Scope = TeamScope | OrganizationScope;

/**
 * A JSON answer; with teams it says whose it is: `team` names the team, or is null for the
 * organisation, and a team's answer says whether it is read from organisation insights only.
 * A single-team deployment's answers are as they always were.
 */
function reply(scope: Scope, body: object, statusCode = 200): DashboardResponse {
  if (!scope.deps.teams) return json(statusCode, body);
  return json(statusCode, scope.kind === "organization" ? { team: null, ...body } : { team: scope.team!.name, insightsOnly: scope.team!.insightsOnly, ...body });
}

/** A team's deps: its stores, budget and config thresholds; the organisation's unit counts. */
function teamDeps(deps: DashboardDeps, teams: DashboardTeams, team: DashboardTeamSettings): DashboardDeps {
  const stores = teams.storesOf(team.name);
  return {
    ...deps,
    store: stores.store,
    advice: stores.advice,
    calibration: stores.calibration,
    cleanup: stores.cleanup,
    budgetMonthlyUsd: team.budgetMonthlyUsd,
    configThresholds: team.thresholds,
    unitCounts: teams.storesOf(ORGANIZATION_LABEL).store,
  };
}

/** The teams as an error message lists them: the first 20, then how many more. */
function teamList(teams: DashboardTeams): string {
  const names = teams.list.map((team) => team.name);
  return names.length > 20 ? `${names.slice(0, 20).join(", ")} and ${names.length - 20} more` : names.join(", ");
}

/**
 * Whose rows the request reads. A team's password reads its own team (`?team` may only name
 * it: anything else is 403, the same for a team that exists and one that does not, so the
 * password does not tell which other teams there are). The dashboard's own password reads the
 * team `?team` names (400 for one the settings do not have), else the organisation; a
 * single-team deployment has the one team, `default`.
 */
function resolveScope(request: DashboardRequest, deps: DashboardDeps, viewer: DashboardViewer): Scope {
  const asked = request.query.team === "" ? undefined : request.query.team;
  if (viewer.kind === "team" && asked !== undefined && asked !== viewer.team) {
    throw new HttpError(403, `this password opens team ${viewer.team}'s view only`);
  }
  const name = asked ?? (viewer.kind === "team" ? viewer.team : undefined);
  const { teams } = deps;
  if (!teams) {
    if (name !== undefined && name !== IMPLICIT_TEAM_NAME) throw new HttpError(400, `team must be ${IMPLICIT_TEAM_NAME}: this deployment watches one team (got ${JSON.stringify(name.slice(0, 40))})`);
    return { kind: "team", deps, viewer };
  }
  if (name === undefined) return { kind: "organization", deps, teams, viewer };
  const team = teams.list.find((entry) => entry.name === name);
  if (!team) throw new HttpError(400, `team must name one of the teams: ${teamList(teams)} (got ${JSON.stringify(name.slice(0, 40))})`);
  return { kind: "team", deps: teamDeps(deps, teams, team), team, viewer };
}

/**
 * `?sort=`: what the organisation overview orders its teams by; only a deployment with teams
 * has an overview, so a single-team one ignores it as it always did.
 */
function sortParameter(request: DashboardRequest, deps: DashboardDeps): OverviewSort {
  const value = request.query.sort;
  if (!deps.teams || value === undefined || value === "") return OVERVIEW_SORTS[0];
  if (!(OVERVIEW_SORTS as readonly string[]).includes(value)) throw new HttpError(400, `sort must be one of ${OVERVIEW_SORTS.join(", ")} (got ${JSON.stringify(value.slice(0, 40))})`);
  return value as OverviewSort;
}

/** A path segment percent-decoded, or as sent when it is not valid percent-encoding. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function normalisedPath(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/**
 * Answers one request: 401 (with a Basic challenge) without valid credentials, 413 for a body
 * over {@link MAX_REQUEST_BODY_BYTES} (whatever the route), 404 for an unknown path, 405 with `Allow` for a wrong method, 400 naming the bad parameter or field,
 * 403 when a team's password asks for another team,
 * 409 when a POST targets a config-defined threshold, 503 when the store fails. Error bodies
 * are `{error}` with a message for people: no stack trace, no secret, no SQL.
 */
export async function handleDashboardRequest(request: DashboardRequest, deps: DashboardDeps): Promise<DashboardResponse> {
  const viewer = authenticate(headerValue(request.headers, "authorization"), deps.auth, deps.teamPasswords);
  if (!viewer) return json(401, { error: "authentication required" }, { "WWW-Authenticate": `Basic realm="${AUTH_REALM}", charset="UTF-8"` });
  if (request.body !== undefined && bodyExceeds(request.body, MAX_REQUEST_BODY_BYTES)) {
    return json(413, { error: `the request body is larger than ${MAX_REQUEST_BODY_BYTES / 1024} KiB` });
  }
  const dismissal = DISMISS_PATH.exec(normalisedPath(request.path));
  // A suggestion id is part of the path, so this one route is matched by pattern.
  const route: Route | undefined = dismissal ? { POST: (_request, scope) => dismiss(safeDecode(dismissal[1]), writableScope(scope, "a suggestion")) } : ROUTES[normalisedPath(request.path)];
  if (!route) return json(404, { error: `no such page: ${normalisedPath(request.path).slice(0, 100)}` });
  const method = request.method.toUpperCase();
  const action = route[method];
  if (!action) return json(405, { error: `${method.slice(0, 10)} is not allowed here` }, { Allow: Object.keys(route).join(", ") });
  try {
    return await action(request, resolveScope(request, deps, viewer));
  } catch (error) {
    if (error instanceof HttpError) return json(error.statusCode, { error: error.message });
    deps.log?.(`dashboard: ${method} ${normalisedPath(request.path)} failed: ${error instanceof Error ? error.message : String(error)}`);
    return json(503, { error: "the cost database is unavailable right now; try again in a minute" });
  }
}
