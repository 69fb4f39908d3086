/**
 * The organisation's nightly view: with `organizationUrn` and the organisation's token, the
 * organisation's billing insights read day by day (core/organization-insights
 * `insightsReadPlan`), split by each data point's `usage_team_urn` into the teams' figures:
 *
 * - every configured team gets an insights reading of its month to date (`spend_snapshots`,
 *   source `insights`, as of the end of the latest day the insights cover); a team with its own
 *   token also has its hourly balance, and of the two the fresher figure wins (CostStore.currentSpend);
 * - a team without a token of its own (insights only) gets its daily history from the insights,
 *   by SKU (insights name no product, project or tag);
 * - spend of a team the config does not list is kept under UNASSIGNED_LABEL (history and month to
 *   date, counted in the organisation's total and summary) and logged with the team's URN and its
 *   name from `GET /v2/organizations/teams` at every read: reported, never dropped;
 * - the organisation's total is kept under ORGANIZATION_LABEL.
 *
 * An organisation of 50 teams × 2,000 resources has 100,000 data points a day, 500 pages: more
 * than one run's request budget for the month. So each day is read on its own and committed
 * (insights_days, every label's share) before the next, a run the budget or deadline stops keeps
 * the days it read, and the next run reads only the days missing or still changing. Insights are
 * nightly, so a day that may still change is re-read when its last read is
 * {@link ORGANIZATION_READ_INTERVAL_HOURS} hours old; a read is due when the plan has a day. A
 * lease makes concurrent runs read once. The month to date, history and warnings are made from
 * the stored days after each read.
 */
import { addDays, billingMonthOf, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { fromCents, toCents } from "../../../core/money";
import { insightsAsOf, insightsRanges, insightsReadPlan, InsightsFold } from "../../../core/organization-insights";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL, type TeamConfig } from "../../../core/tracker-settings";
import { MAX_PER_PAGE, type DigitalOceanClient } from "../digitalocean/client";
import { RequestNotSent } from "../digitalocean/token-meter";
import type { OrganizationTeam } from "../digitalocean/types";
import { AdviceStore } from "../store/advice-store";
import { CostStore, type InsightsDayInput, type TeamInsightsDayTotal } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";
import type { BillingHistoryDay, CostBreakdown } from "../store/types";
import type { TrackerLog } from "./ingest";

/** The organisation token's reads. */
export type OrganizationApi = Pick<DigitalOceanClient, "billingInsightsPages" | "listOrganizationTeams" | "affords">;

/**
 * The requests a day of insights is expected to take: its data points (the last day read, this
 * run's or a stored one) over DigitalOcean's page size, at least one.
 */
function pagesFor(dataPoints: number): number {
  return Math.max(1, Math.ceil(dataPoints / MAX_PER_PAGE));
}

/**
 * Hours before a day whose insights may still change is read again (engineering choice,
 * 2026-12-06): insights are nightly estimates, so two reads a day pick up each night within
 * half a day. A read asks for each day on its own: about a request per 200 data points of the
 * day (DigitalOcean's page size), so two or three requests a read for a small organisation, far
 * inside the organisation token's 5,000 an hour.
 */
export const ORGANIZATION_READ_INTERVAL_HOURS = 12;

/** The lease (in the organisation's rows) that lets one of several concurrent runs read. */
const ORGANIZATION_READ_LEASE = "organization-insights";
/** How long a reader holds it: longer than any read takes, short enough that a crashed reader blocks nobody for long. */
const LEASE_MS = 10 * 60_000;

/** What one organisation step did. */
export type OrganizationIngestResult =
  | { read: false; why: string }
  | {
      read: true;
      /** The latest day the stored insights cover without a gap before it, if any. */
      latestDay: IsoDate | undefined;
      /** Data points read by this run. */
      dataPoints: number;
      /** Days read and stored by this run. */
      daysRead: number;
      /** Days of the plan left for the next run (0 when the read finished). */
      daysLeft: number;
      /** Why the read stopped before the plan's end (the run's request budget or deadline), if it did. */
      stopped?: string;
      /** The organisation's month to date by its stored insights, in dollars. */
      monthToDateUsd: number;
      /** `usage_team_urn`s no configured team has (their spend is under UNASSIGNED_LABEL). */
      unknownUrns: string[];
    };

/** Every label's stored days over the span of `insightsRanges(now)`, without SKUs. */
async function storedDays(db: SqlClient, now: Date): Promise<TeamInsightsDayTotal[]> {
  const ranges = insightsRanges(now);
  return new CostStore(db, ORGANIZATION_LABEL).listInsightsDayTotalsByTeam(ranges[0]!.from, ranges[ranges.length - 1]!.to);
}

/**
 * When each stored day was read, for the plan: a day counts as read when its labels are the
 * config's (the organisation's row, every configured team's, no other team's), so a day stored
 * before a team was added to or removed from the config is read again and split the new way.
 */
function readTimes(stored: readonly TeamInsightsDayTotal[], teams: readonly TeamConfig[]): Map<IsoDate, Date> {
  const labels = new Map<IsoDate, Set<string>>();
  const readAt = new Map<IsoDate, Date>();
  for (const row of stored) {
    if (row.team === ORGANIZATION_LABEL) readAt.set(row.date, row.readAt);
    let set = labels.get(row.date);
    if (set === undefined) labels.set(row.date, (set = new Set()));
    set.add(row.team);
  }
  const known = new Set([ORGANIZATION_LABEL, UNASSIGNED_LABEL, ...teams.map((team) => team.name)]);
  for (const [date, set] of labels) {
    if (teams.some((team) => !set.has(team.name)) || [...set].some((label) => !known.has(label))) readAt.delete(date);
  }
  return readAt;
}

/**
 * The days the organisation's insights read asks for at `now`, oldest first (empty: no read is
 * due), and the data points of the latest day stored, from which a day's pages are estimated.
 */
async function organizationReadPlan(db: SqlClient, teams: readonly TeamConfig[], now: Date): Promise<{ plan: IsoDate[]; latestPoints: number }> {
  const stored = await storedDays(db, now);
  return { plan: insightsReadPlan(now, readTimes(stored, teams), ORGANIZATION_READ_INTERVAL_HOURS), latestPoints: latestStoredPoints(stored) };
}

/** The data points of the latest day stored for the organisation (0 when none is). */
function latestStoredPoints(stored: readonly TeamInsightsDayTotal[]): number {
  let latest: TeamInsightsDayTotal | undefined;
  for (const row of stored) if (row.team === ORGANIZATION_LABEL && (latest === undefined || row.date > latest.date)) latest = row;
  return latest?.dataPoints ?? 0;
}

/** Dollars by SKU from cents by SKU. */
function skuUsd(bySku: ReadonlyMap<string, number> | undefined): CostBreakdown {
  const out: CostBreakdown = {};
  for (const [sku, cents] of bySku ?? []) out[sku] = fromCents(cents);
  return out;
}

/** Reads one day of the organisation's insights, folded by label. */
async function readDay(api: OrganizationApi, organizationUrn: string, teams: readonly TeamConfig[], date: IsoDate): Promise<InsightsFold> {
  const fold = new InsightsFold(teams);
  for await (const page of api.billingInsightsPages(organizationUrn, date, date)) fold.add(page);
  return fold;
}

/**
 * Commits one day for every label in one transaction: each configured team (0 cents when it spent
 * nothing), the unassigned label when it has data, and the organisation's total, whose row says
 * the day was read.
 */
async function commitDay(db: SqlClient, fold: InsightsFold, date: IsoDate, teams: readonly TeamConfig[], now: Date): Promise<void> {
  const rows: [string, InsightsDayInput][] = [];
  let totalCents = 0;
  let totalPoints = 0;
  const unassigned = fold.pointsOn(UNASSIGNED_LABEL, date) > 0;
  for (const label of [...teams.map((team) => team.name), ...(unassigned ? [UNASSIGNED_LABEL] : [])]) {
    const day = fold.daysOf(label).get(date);
    const points = fold.pointsOn(label, date);
    totalCents += day?.cents ?? 0;
    totalPoints += points;
    rows.push([label, { date, totalUsd: fromCents(day?.cents ?? 0), bySku: skuUsd(day?.bySku), dataPoints: points, readAt: now, ...(label === UNASSIGNED_LABEL ? { unknownUrns: fold.unknownUrns() } : {}) }]);
  }
  rows.push([ORGANIZATION_LABEL, { date, totalUsd: fromCents(totalCents), bySku: {}, dataPoints: totalPoints, readAt: now }]);
  await new CostStore(db, ORGANIZATION_LABEL).transaction(async (organization) => {
    await organization.clearInsightsDay(date);
    for (const [label, day] of rows) await organization.forTeam(label).upsertInsightsDays([day]);
  });
}

/**
 * Reads the organisation's insights when due (and this run holds the read lease), a day at a
 * time, each committed before the next, then writes each team's month to date and history from
 * the stored days; see the module comment. `insightsOnly` names the teams without a token of
 * their own, whose daily history comes from here. A request the meter refuses (budget, deadline)
 * ends the read with the days read so far kept; any other failure throws, the days committed
 * before it kept too.
 */
export async function ingestOrganization(
  api: OrganizationApi,
  db: SqlClient,
  organizationUrn: string,
  teams: readonly TeamConfig[],
  insightsOnly: ReadonlySet<string>,
  now: Date,
  log: TrackerLog,
): Promise<OrganizationIngestResult> {
  const notDue = `every day is read, and each that may still change was read less than ${ORGANIZATION_READ_INTERVAL_HOURS} hours ago (insights are nightly)`;
  if ((await organizationReadPlan(db, teams, now)).plan.length === 0) return { read: false, why: notDue };
  const release = await new AdviceStore(db, ORGANIZATION_LABEL).takeLease(ORGANIZATION_READ_LEASE, LEASE_MS, now.getTime());
  if (release === undefined) return { read: false, why: "another run is reading the organisation's insights" };
  try {
    // Another run may have read between the first look and the lease.
    const { plan, latestPoints } = await organizationReadPlan(db, teams, now);
    if (plan.length === 0) return { read: false, why: notDue };
    let daysRead = 0;
    let dataPoints = 0;
    let stopped: string | undefined;
    let organizationTeams: OrganizationTeam[] = [];
    try {
      // The teams list names unknown URNs in the log; it is small and not paged.
      organizationTeams = await api.listOrganizationTeams();
      // A day is read whole or not at all: one the run cannot finish would be read again next run.
      let expectedPoints = latestPoints;
      for (const date of plan) {
        const pages = pagesFor(expectedPoints);
        if (!api.affords(pages)) {
          stopped = `${date} needs about ${pages} requests, more than this run's request budget or deadline leaves; the next run reads it whole`;
          break;
        }
        const fold = await readDay(api, organizationUrn, teams, date);
        await commitDay(db, fold, date, teams, now);
        daysRead++;
        dataPoints += fold.count;
        expectedPoints = fold.count;
      }
    } catch (error) {
      if (!(error instanceof RequestNotSent)) throw error;
      stopped = error.message;
    }
    const progress = { daysRead, daysLeft: plan.length - daysRead, dataPoints, ...(stopped === undefined ? {} : { stopped }) };
    if (daysRead === 0) {
      log.warn(`organisation insights: no day read (${plan.length} due): ${stopped ?? "nothing read"}`);
      return { read: true, latestDay: undefined, monthToDateUsd: 0, unknownUrns: [], ...progress };
    }
    return await writeOrganization(db, teams, insightsOnly, organizationTeams, progress, now, log);
  } finally {
    await release();
  }
}

/** A day of history from one label's insights: by SKU, no projects or tags (insights carry none). */
function insightsDay(date: IsoDate, cents: number, bySku: CostBreakdown, monthToDateCents: number): BillingHistoryDay {
  return { date, totalCostUsd: fromCents(cents), monthToDateUsd: fromCents(monthToDateCents), costByService: bySku, costByProject: {}, costByTag: {} };
}

/**
 * The latest day of `range` the stored insights cover: the last day with data (organisation-wide;
 * insights are produced for every team at once) such that every day before it in the range is
 * stored. Later days are not known yet, not zero; a gap would make a month to date look complete.
 */
function coveredThrough(range: { from: IsoDate; to: IsoDate }, organizationDays: ReadonlyMap<IsoDate, TeamInsightsDayTotal>): IsoDate | undefined {
  let through: IsoDate | undefined;
  for (let date = range.from; date <= range.to; date = addDays(date, 1)) {
    const day = organizationDays.get(date);
    if (day === undefined) break;
    if (day.dataPoints > 0) through = date;
  }
  return through;
}

/**
 * Each label's month to date, insights-only and unassigned history, the organisation's total and
 * the warnings, from the stored days (those of earlier runs included).
 */
async function writeOrganization(
  db: SqlClient,
  teams: readonly TeamConfig[],
  insightsOnly: ReadonlySet<string>,
  organizationTeams: readonly OrganizationTeam[],
  progress: { daysRead: number; daysLeft: number; dataPoints: number; stopped?: string },
  now: Date,
  log: TrackerLog,
): Promise<OrganizationIngestResult> {
  const month: BillingMonth = billingMonthOf(now);
  const ranges = insightsRanges(now);
  const stored = await storedDays(db, now);
  const organizationDays = new Map(stored.filter((row) => row.team === ORGANIZATION_LABEL).map((row) => [row.date, row]));
  const covered = ranges.map((range) => ({ ...range, through: coveredThrough(range, organizationDays) }));
  const current = covered.find((range) => range.month === month)!;
  const latestDay = current.through ?? covered.map((range) => range.through).filter((day) => day !== undefined).pop();
  const asOf = insightsAsOf(current.through, month, now);
  const centsOf = new Map<string, number>();
  const unknown = new Set<string>();
  for (const row of stored) {
    if (current.through !== undefined && row.date >= current.from && row.date <= current.through) centsOf.set(row.team, (centsOf.get(row.team) ?? 0) + toCents(row.totalUsd));
    if (row.team === UNASSIGNED_LABEL) for (const urn of row.unknownUrns) unknown.add(urn);
  }
  const unknownUrns = [...unknown].sort();
  const hasUnassigned = stored.some((row) => row.team === UNASSIGNED_LABEL);
  const labels = [...teams.map((team) => team.name), ...(hasUnassigned ? [UNASSIGNED_LABEL] : [])];
  const reading = (cents: number) => ({ takenAt: now, source: "insights" as const, monthToDateUsd: fromCents(cents), accountBalanceUsd: null, generatedAt: asOf, invoicePreviewUsd: null });
  let totalCents = 0;
  await new CostStore(db, ORGANIZATION_LABEL).transaction(async (organization) => {
    await organization.lockHistoryWriters();
    for (const label of labels) {
      const store = organization.forTeam(label);
      const cents = centsOf.get(label) ?? 0;
      totalCents += cents;
      await store.insertSpendSnapshot(reading(cents));
      // A team with a token of its own writes its (richer) history from its invoice preview.
      if (label === UNASSIGNED_LABEL || insightsOnly.has(label)) await store.upsertBillingHistory(await historyDays(store, covered, label !== UNASSIGNED_LABEL));
    }
    await organization.insertSpendSnapshot(reading(totalCents));
  });
  const cut = progress.stopped === undefined ? "" : `, ${progress.daysLeft} left for the next run (${progress.stopped})`;
  log.info(
    `organisation insights: ${progress.daysRead} day(s) read (${progress.dataPoints} data points)${cut}; stored up to ${latestDay ?? "no day yet"}; month to date ${fromCents(totalCents).toFixed(2)} USD over ${teams.length} team(s)`,
  );
  if (unknownUrns.length > 0) {
    const nameOf = new Map(organizationTeams.map((team) => [`do:team:${team.uuid ?? ""}`.toLowerCase(), team.name]));
    const named = unknownUrns.map((urn) => (nameOf.get(urn.toLowerCase()) ? `${urn} ("${nameOf.get(urn.toLowerCase())}")` : urn));
    log.warn(
      `organisation insights name ${unknownUrns.length} team(s) the config does not list: ${named.join(", ")}; their spend (${fromCents(centsOf.get(UNASSIGNED_LABEL) ?? 0).toFixed(2)} USD this month) is kept as ${UNASSIGNED_LABEL} in the organisation's total; add them to teams to track them`,
    );
  }
  const listed = new Set(organizationTeams.map((team) => `do:team:${team.uuid ?? ""}`.toLowerCase()));
  const missing = teams.filter((team) => team.urn !== undefined && !listed.has(team.urn.toLowerCase()));
  if (missing.length > 0) log.warn(`team(s) ${missing.map((team) => `${team.name} (${team.urn})`).join(", ")} are not among the organisation's teams: check their urn`);
  return { read: true, latestDay, monthToDateUsd: fromCents(totalCents), unknownUrns, ...progress };
}

/**
 * The label's history days over the ranges, each up to the day the stored insights cover, with
 * its month to date. `always`: write zero days too (a configured team that spent nothing);
 * otherwise only days the label has stored.
 */
async function historyDays(store: CostStore, ranges: readonly { from: IsoDate; to: IsoDate; through: IsoDate | undefined }[], always: boolean): Promise<BillingHistoryDay[]> {
  const out: BillingHistoryDay[] = [];
  for (const range of ranges) {
    if (range.through === undefined) continue;
    const days = new Map((await store.listInsightsDays(range.from, range.through)).map((day) => [day.date, day]));
    if (!always && days.size === 0) continue;
    let mtd = 0;
    for (let date = range.from; date <= range.through; date = addDays(date, 1)) {
      const day = days.get(date);
      const cents = day === undefined ? 0 : toCents(day.totalUsd);
      mtd += cents;
      out.push(insightsDay(date, cents, day?.bySku ?? {}, mtd));
    }
  }
  return out;
}
