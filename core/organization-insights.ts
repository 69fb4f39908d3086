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
      const sku = point.sku || UNKNOWN_SKU;
      day.bySku.set(sku, (day.bySku.get(sku) ?? 0) + cents);
      if (this.latest === undefined || date > this.latest) this.latest = date;
    }
  }

  /** The latest day any data point covers, organisation-wide (insights are produced for all teams at once). */
  latestDate(): IsoDate | undefined {
    return this.latest;
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
