/**
 * An organisation's billing insights split by team. DigitalOcean's insights for an organisation
 * URN (`do:teamgroup:<uuid>`) are one data point per team, SKU and day, each naming the team that
 * incurred it in `usage_team_urn` (vendored spec, components.schemas.billing_data_point); they are
 * nightly estimates and carry no resource ids. Folded here page by page into whole cents per
 * label (a configured team's name, or UNASSIGNED_LABEL for a team the config does not list), per
 * day and per SKU, so an organisation of 50 teams × 2,000 SKUs × 31 days is never held as items.
 *
 * Pure: no network, no store. The tracker (functions/src/tracker/organization.ts) reads the pages
 * and writes what this returns.
 */
import { addDays, isoDate, monthStart, parseIsoDate, type BillingMonth, type IsoDate } from "./calendar";
import { parseUsd, toCents } from "./money";
import { UNASSIGNED_LABEL } from "./tracker-settings";

/** The fields of a data point the fold reads (the spec's `billing_data_point`). */
export interface InsightsPoint {
  usage_team_urn?: string;
  /** YYYY-MM-DD */
  start_date?: string;
  total_amount?: string;
  sku?: string;
}

/** One label's day: total and per SKU, in cents. */
export interface InsightsDay {
  cents: number;
  bySku: Map<string, number>;
}

/**
 * What the SKU of a data point without one is filed under. Insights name no product (invoice
 * items do), so an insights-only team's "service" breakdown is by SKU, the finest stable name.
 */
export const UNKNOWN_SKU = "(no sku)";

/**
 * Running sums of an organisation's insights per label and day. Teams are matched by URN, case
 * aside; a data point whose team the config does not list is kept under {@link UNASSIGNED_LABEL}
 * and its URN remembered ({@link unknownUrns}), so nothing is dropped silently.
 */
export class InsightsFold {
  private readonly labelByUrn: Map<string, string>;
  private readonly days = new Map<string, Map<IsoDate, InsightsDay>>();
  private readonly unknown = new Set<string>();
  /** Data points per label and day, keyed `label date`. */
  private readonly points = new Map<string, number>();
  private latest: IsoDate | undefined;
  /** Data points folded so far. */
  count = 0;

  /** `teams`: each configured team's name and URN (`do:team:<uuid>`). */
  constructor(teams: readonly { name: string; urn?: string }[]) {
    this.labelByUrn = new Map(teams.filter((team) => team.urn !== undefined).map((team) => [team.urn!.toLowerCase(), team.name]));
  }

  /** Adds one page of data points. A point without a date is an error naming it; one without an amount counts as 0. */
  add(points: readonly InsightsPoint[]): void {
    for (const point of points) {
      const index = this.count++;
      const date = point.start_date ?? "";
      try {
        parseIsoDate(date);
      } catch {
        throw new Error(`insights data_points[${index}].start_date must be a date like 2026-03-14 (got ${JSON.stringify(date.slice(0, 20))})`);
      }
      const cents = toCents(parseUsd(point.total_amount ?? "0", `insights data_points[${index}].total_amount`));
      const urn = (point.usage_team_urn ?? "").toLowerCase();
      let label = this.labelByUrn.get(urn);
      if (label === undefined) {
        label = UNASSIGNED_LABEL;
        this.unknown.add(point.usage_team_urn || "(no usage_team_urn)");
      }
      let byDate = this.days.get(label);
      if (byDate === undefined) this.days.set(label, (byDate = new Map()));
      let day = byDate.get(date);
      if (day === undefined) byDate.set(date, (day = { cents: 0, bySku: new Map() }));
      day.cents += cents;
      this.points.set(`${label} ${date}`, (this.points.get(`${label} ${date}`) ?? 0) + 1);
      const sku = point.sku || UNKNOWN_SKU;
      day.bySku.set(sku, (day.bySku.get(sku) ?? 0) + cents);
      if (this.latest === undefined || date > this.latest) this.latest = date;
    }
  }

  /** The latest day any data point covers, organisation-wide (insights are produced for all teams at once). */
  latestDate(): IsoDate | undefined {
    return this.latest;
  }

  /** How many data points of `date` the label has. */
  pointsOn(label: string, date: IsoDate): number {
    return this.points.get(`${label} ${date}`) ?? 0;
  }

  /** `usage_team_urn`s of data points that matched no configured team, sorted. */
  unknownUrns(): string[] {
    return [...this.unknown].sort();
  }

  /** The label's days (absent: no data point named it). */
  daysOf(label: string): ReadonlyMap<IsoDate, InsightsDay> {
    return this.days.get(label) ?? new Map();
  }

  /** Every label that has a data point. */
  labels(): string[] {
    return [...this.days.keys()].sort();
  }

  /** The label's cents from `from` to `to` inclusive. */
  centsBetween(label: string, from: IsoDate, to: IsoDate): number {
    let cents = 0;
    for (const [date, day] of this.daysOf(label)) if (date >= from && date <= to) cents += day.cents;
    return cents;
  }
}

/**
 * The day ranges an organisation read asks for at `now`: the month so far, and on the first
 * {@link PREVIOUS_MONTH_GRACE_DAYS} days of a month the whole previous month too, because a
 * month's last nights arrive (and are revised) after it ends. Each range lies inside one month,
 * so it is at most 31 days (the API's limit) and a day's month to date adds up from the month's start.
 */
export function insightsRanges(now: Date): { month: BillingMonth; from: IsoDate; to: IsoDate }[] {
  const today = isoDate(now);
  const month = today.slice(0, 7);
  const first = isoDate(monthStart(month));
  const ranges = [{ month, from: first, to: today }];
  if (Number(today.slice(8, 10)) <= PREVIOUS_MONTH_GRACE_DAYS) {
    const lastOfPrevious = addDays(first, -1);
    ranges.unshift({ month: lastOfPrevious.slice(0, 7), from: `${lastOfPrevious.slice(0, 7)}-01`, to: lastOfPrevious });
  }
  return ranges;
}

/**
 * Days into a month during which the previous month's insights are read again (engineering
 * choice, 2026-12-06): insights are nightly, so the last day of a month lands on the 1st or
 * 2nd, and a third day covers a late night.
 */
export const PREVIOUS_MONTH_GRACE_DAYS = 3;

/**
 * How fresh an insights month-to-date figure is, by the data's own timestamps: the end of the
 * latest day the organisation's insights cover within `month` (the instant that day's spend is
 * complete), no later than `now`; the month's start when they cover none of it yet. A team's
 * balance (`generated_at`) is compared with this instant, and the later one is the fresher figure.
 */
export function insightsAsOf(latestDay: IsoDate | undefined, month: BillingMonth, now: Date): Date {
  const start = monthStart(month);
  if (latestDay === undefined || latestDay.slice(0, 7) !== month) return start;
  const dayEnd = parseIsoDate(addDays(latestDay, 1));
  return dayEnd < now ? dayEnd : now;
}

/**
 * Complete days before today whose insights are read again while they may still change
 * (engineering choice, 2026-12-06): a night's figures land during the next day and are revised
 * after, so yesterday and the day before are re-read; older days are final.
 */
export const INSIGHTS_RECENT_DAYS = 2;

/**
 * The days an organisation read at `now` asks for, oldest first, one request range each: every
 * day of {@link insightsRanges} before today never read (`readAt`: when each stored day was
 * last read), and the days that may still change (the {@link INSIGHTS_RECENT_DAYS} complete days
 * before today; on the first {@link PREVIOUS_MONTH_GRACE_DAYS} days of a month also the previous
 * month's last {@link INSIGHTS_RECENT_DAYS}) when their last read is `rereadAfterHours` old.
 *
 * Today is never read: its insights arrive during the night after it, so a read of it finds
 * nothing or a part of the day, and a part would pass for a complete figure ({@link insightsAsOf}
 * dates a day's figure at its end, and CostStore.currentSpend takes it over an older balance).
 * Empty: nothing to read, so no read is due. A read cut short leaves its unread days in the
 * next plan, so the next run goes on where it stopped.
 */
export function insightsReadPlan(now: Date, readAt: ReadonlyMap<IsoDate, Date>, rereadAfterHours: number): IsoDate[] {
  const today = isoDate(now);
  const changing = new Set<IsoDate>();
  for (let back = 1; back <= INSIGHTS_RECENT_DAYS; back++) changing.add(addDays(today, -back));
  const ranges = insightsRanges(now);
  if (ranges.length > 1) {
    const lastOfPrevious = ranges[0]!.to;
    for (let back = 0; back < INSIGHTS_RECENT_DAYS; back++) changing.add(addDays(lastOfPrevious, -back));
  }
  const plan: IsoDate[] = [];
  for (const range of ranges) {
    for (let date = range.from; date <= range.to && date < today; date = addDays(date, 1)) {
      const read = readAt.get(date);
      if (read === undefined || (changing.has(date) && now.getTime() - read.getTime() >= rereadAfterHours * 3_600_000)) plan.push(date);
    }
  }
  return plan;
}
