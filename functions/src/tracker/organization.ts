/**
 * The organisation's nightly view: with `organizationUrn` and the organisation's token, one
 * billing-insights read per day range for the whole organisation (core/organization-insights
 * `insightsRanges`), split by each data point's `usage_team_urn` into the teams' figures:
 *
 * - every configured team gets an insights reading of its month to date (`spend_snapshots`,
 *   source `insights`, as of the end of the latest day the insights cover); a team with its own
 *   token also has its hourly balance, and of the two the fresher figure wins (CostStore.currentSpend);
 * - a team without a token of its own (insights only) gets its daily history from the insights,
 *   by SKU (insights name no product, project or tag);
 * - spend of a team the config does not list is kept under UNASSIGNED_LABEL (history and month to
 *   date, counted in the organisation's total and summary) and logged with the team's URN and its
 *   name from `GET /v2/organizations/teams` at every read: reported, never dropped;
 * - the organisation's total is kept under ORGANIZATION_LABEL, whose latest insights reading also
 *   says when the organisation was last read.
 *
 * Insights are nightly, so reading them hourly would buy nothing: a read is due when the last one
 * is {@link ORGANIZATION_READ_INTERVAL_HOURS} hours old (twice a day), or from another month. A
 * lease makes concurrent runs read once. All reads finish before the one write transaction.
 */
import { addDays, billingMonthOf, isoDate, type BillingMonth, type IsoDate } from "../../../core/calendar";
import { fromCents } from "../../../core/money";
import { insightsAsOf, insightsRanges, InsightsFold } from "../../../core/organization-insights";
import { ORGANIZATION_LABEL, UNASSIGNED_LABEL, type TeamConfig } from "../../../core/tracker-settings";
import type { DigitalOceanClient } from "../digitalocean/client";
import type { OrganizationTeam } from "../digitalocean/types";
import { AdviceStore } from "../store/advice-store";
import { CostStore } from "../store/cost-store";
import type { SqlClient } from "../store/sql-client";
import type { BillingHistoryDay } from "../store/types";
import type { TrackerLog } from "./ingest";

/** The organisation token's reads. */
export type OrganizationApi = Pick<DigitalOceanClient, "billingInsightsPages" | "listOrganizationTeams">;

/**
 * Hours between two organisation reads (engineering choice, 2026-12-06): insights are nightly
 * estimates, so two reads a day pick up each night within half a day at two or three requests
 * a read, far inside the organisation token's 5,000 an hour.
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
      /** The latest day the insights cover, if any. */
      latestDay: IsoDate | undefined;
      dataPoints: number;
      /** The organisation's month to date by its insights, in dollars. */
      monthToDateUsd: number;
      /** `usage_team_urn`s no configured team has (their spend is under UNASSIGNED_LABEL). */
      unknownUrns: string[];
    };

/** Everything one organisation read returned, before anything is written. */
interface OrganizationReading {
  fold: InsightsFold;
  ranges: { month: BillingMonth; from: IsoDate; to: IsoDate }[];
  organizationTeams: OrganizationTeam[];
}

/** Whether the organisation is due a read at `now`: never read, read in another month, or {@link ORGANIZATION_READ_INTERVAL_HOURS} ago. */
export async function organizationReadDue(db: SqlClient, now: Date): Promise<boolean> {
  const last = await new CostStore(db, ORGANIZATION_LABEL).latestSpendSnapshot("insights");
  if (last === null || billingMonthOf(last.takenAt) !== billingMonthOf(now)) return true;
  return now.getTime() - last.takenAt.getTime() >= ORGANIZATION_READ_INTERVAL_HOURS * 3_600_000;
}

async function readOrganization(api: OrganizationApi, organizationUrn: string, teams: readonly TeamConfig[], now: Date): Promise<OrganizationReading> {
  const fold = new InsightsFold(teams);
  const ranges = insightsRanges(now);
  // The teams list names unknown URNs in the log; it is small and not paged.
  const organizationTeams = await api.listOrganizationTeams();
  for (const range of ranges) for await (const page of api.billingInsightsPages(organizationUrn, range.from, range.to)) fold.add(page);
  return { fold, ranges, organizationTeams };
}

/** A day of history from one label's insights: by SKU, no projects or tags (insights carry none). */
function insightsDay(date: IsoDate, cents: number, bySku: ReadonlyMap<string, number> | undefined, monthToDateCents: number): BillingHistoryDay {
  const costByService: Record<string, number> = {};
  for (const [sku, skuCents] of bySku ?? []) costByService[sku] = fromCents(skuCents);
  return { date, totalCostUsd: fromCents(cents), monthToDateUsd: fromCents(monthToDateCents), costByService, costByProject: {}, costByTag: {} };
}

/**
 * The label's history days over `ranges`, up to the latest day the organisation's insights
 * cover (later days are not known yet, not zero), each with its month to date. `always`: write
 * zero days too (a configured team that spent nothing); otherwise only if the label has data.
 */
function historyDays(fold: InsightsFold, label: string, ranges: OrganizationReading["ranges"], always: boolean): BillingHistoryDay[] {
  const latest = fold.latestDate();
  const days = fold.daysOf(label);
  if (latest === undefined || (!always && days.size === 0)) return [];
  const out: BillingHistoryDay[] = [];
  for (const range of ranges) {
    let mtd = 0;
    for (let date = range.from; date <= range.to && date <= latest; date = addDays(date, 1)) {
      const day = days.get(date);
      mtd += day?.cents ?? 0;
      out.push(insightsDay(date, day?.cents ?? 0, day?.bySku, mtd));
    }
  }
  return out;
}

/**
 * Reads the organisation's insights when due (and this run holds the read lease) and writes
 * each team's share; see the module comment. `insightsOnly` names the teams without a token of
 * their own, whose daily history comes from here. Throws (with nothing written) when a read fails.
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
  if (!(await organizationReadDue(db, now))) return { read: false, why: `read less than ${ORGANIZATION_READ_INTERVAL_HOURS} hours ago (insights are nightly)` };
  const release = await new AdviceStore(db, ORGANIZATION_LABEL).takeLease(ORGANIZATION_READ_LEASE, LEASE_MS, now.getTime());
  if (release === undefined) return { read: false, why: "another run is reading the organisation's insights" };
  try {
    // Another run may have read between the first look and the lease.
    if (!(await organizationReadDue(db, now))) return { read: false, why: "another run has just read the organisation's insights" };
    const reading = await readOrganization(api, organizationUrn, teams, now);
    return await writeOrganization(db, reading, teams, insightsOnly, now, log);
  } finally {
    await release();
  }
}

async function writeOrganization(
  db: SqlClient,
  { fold, ranges, organizationTeams }: OrganizationReading,
  teams: readonly TeamConfig[],
  insightsOnly: ReadonlySet<string>,
  now: Date,
  log: TrackerLog,
): Promise<OrganizationIngestResult> {
  const month = billingMonthOf(now);
  const monthFirst = `${month}-01`;
  const today = isoDate(now);
  const latestDay = fold.latestDate();
  const asOf = insightsAsOf(latestDay, month, now);
  const reading = (cents: number) => ({ takenAt: now, source: "insights" as const, monthToDateUsd: fromCents(cents), accountBalanceUsd: null, generatedAt: asOf, invoicePreviewUsd: null });
  const unknownUrns = fold.unknownUrns();
  const labels = [...teams.map((team) => team.name), ...(fold.daysOf(UNASSIGNED_LABEL).size > 0 ? [UNASSIGNED_LABEL] : [])];
  let totalCents = 0;
  await new CostStore(db, ORGANIZATION_LABEL).transaction(async (organization) => {
    await organization.lockHistoryWriters();
    for (const label of labels) {
      const store = organization.forTeam(label);
      const cents = fold.centsBetween(label, monthFirst, today);
      totalCents += cents;
      await store.insertSpendSnapshot(reading(cents));
      // A team with a token of its own writes its (richer) history from its invoice preview.
      if (label === UNASSIGNED_LABEL || insightsOnly.has(label)) await store.upsertBillingHistory(historyDays(fold, label, ranges, label !== UNASSIGNED_LABEL));
    }
    await organization.insertSpendSnapshot(reading(totalCents));
  });
  log.info(`organisation insights: ${fold.count} data points up to ${latestDay ?? "no day yet"}; month to date ${fromCents(totalCents).toFixed(2)} USD over ${teams.length} team(s)`);
  if (unknownUrns.length > 0) {
    const nameOf = new Map(organizationTeams.map((team) => [`do:team:${team.uuid ?? ""}`.toLowerCase(), team.name]));
    const named = unknownUrns.map((urn) => (nameOf.get(urn.toLowerCase()) ? `${urn} ("${nameOf.get(urn.toLowerCase())}")` : urn));
    log.warn(
      `organisation insights name ${unknownUrns.length} team(s) the config does not list: ${named.join(", ")}; their spend (${fromCents(fold.centsBetween(UNASSIGNED_LABEL, monthFirst, today)).toFixed(2)} USD this month) is kept as ${UNASSIGNED_LABEL} in the organisation's total; add them to teams to track them`,
    );
  }
  const listed = new Set(organizationTeams.map((team) => `do:team:${team.uuid ?? ""}`.toLowerCase()));
  const missing = teams.filter((team) => team.urn !== undefined && !listed.has(team.urn.toLowerCase()));
  if (missing.length > 0) log.warn(`team(s) ${missing.map((team) => `${team.name} (${team.urn})`).join(", ")} are not among the organisation's teams: check their urn`);
  return { read: true, latestDay, dataPoints: fold.count, monthToDateUsd: fromCents(totalCents), unknownUrns };
}
