/**
 * Daily cost spike detection, per service and for the total.
 *
 * Baseline = level × weekly factor, both medians so that one spike never moves them:
 * - weekly factor of a weekday: the median, over the last `seasonalWeeks` (4) same weekdays,
 *   of that day's cost ÷ the median of the 7 days ending on it. A service busier at weekends
 *   (a restaurant platform's bandwidth) would otherwise "spike" every Saturday. Per-weekday
 *   ratios rather than per-weekday raw medians, because ratios survive a level shift: raw
 *   same-weekday values from before and after a shift are not comparable. On the seeded
 *   tuning set this took false alarms from 2.6 to 0.5 per 90 days (bench:spikes). 8 weeks
 *   scored a little better there, but the synthetic rhythm never changes; 4 weeks re-learns a
 *   changed rhythm (holidays, a new customer's time zone) within a month.
 * - level: the median of the last `windowDays` (14) deseasonalised costs (cost ÷ its factor).
 *   14 days: 7 gave more false alarms on the tuning set; 21–28 scored about the same (F1
 *   0.92–0.93) but keep a wrong level longer whenever the episode logic below misjudges.
 *   A median + MAD band would not help weekly rhythm here: busy days are a minority of the
 *   window and barely move the MAD.
 *
 * Level shifts: an alert opens an episode of `windowDays` days during which the level is the
 * median of the episode's own (deseasonalised) days, so a new plateau is "the new normal" at
 * once and its following days are not re-alerted, while a one-day spike's episode quickly fills
 * with ordinary days again and a second, real rise inside it still alerts. When the episode
 * ends the trailing window holds only post-alert days.
 *
 * Monthly recurring charges: a subscription, a support plan or a marketplace add-on billed on
 * the same day every month is a spike the first time at most, never again (given `push` the
 * date). A day that rises above the recent level (median of the last 4 days) and falls back
 * within 3 days — alerted or not: a second charge the day after a first is hidden by the first
 * one's episode — is remembered by its day of the month with its excess over that level. The
 * days of such a run are measured against the level before the run, which a level shift never
 * falls back to: a rise still elevated after a week is a level shift, of which only days rising
 * above its plateau are remembered (measured against the trailing level, a shift's first three
 * days looked like charges, and a month later hid real spikes on those days). On that day of the
 * next months the charge is expected on top of the baseline when at least half of it (a quarter,
 * before it has recurred once: a first size may include a spike) shows up: the day alerts only
 * on a rise beyond baseline + charge (the usual > 20% and > $1), so a real spike on the 1st
 * still alerts, and a charge that did not come leaves the day judged as usual. Every charge due
 * that day is expected (the 30th's and the 31st's both fall on Feb 28). Its size is the median
 * of its last three measures, so one month measured over a noisy day or a same-day shift does
 * not make the next month alert. The explained part is taken out of the level and weekly-rhythm
 * history, and once a weekday's rhythm is known an alerting day is no longer counted as rhythm
 * — unless that weekday was high against its rhythm the week before too: then it is a rhythm
 * change (a new weekly job), and not counting it would make it alert every week for good, which
 * a few first-time charges in one week (they raise the week's median) did on the tuning seeds.
 * A charge on the 29th–31st
 * recurs on that day or, in a shorter month, on the month's last day (Jan 31 → Feb 28 → Mar 31);
 * one first seen on a month's last day is expected on every day from that day to the month's
 * end until it recurs (Feb 28 may be a charge of the 28th, 30th or 31st). A charge seen once is
 * forgotten when it does not recur the next month; one that recurred, after two months without
 * it. On the seeded series of bench:spikes (2026-11-29), false alarms per 90 days with monthly
 * charges vs without: tuning seeds 0.54 vs 0.49 (+10.5%), held-out seeds 0.46 vs 0.42 (+9.5%);
 * F1 on the real spikes 0.894 vs 0.914 and 0.908 vs 0.926 — a charge's first-time alert opens an
 * episode that can hide a real spike in the next days, and a spike on a charge's day must clear
 * 20% of baseline + charge. Replay needs last month's same day in the history: the tracker
 * passes 70 days.
 */
import { addDays, daysBetween, parseIsoDate, weekdayOf, type IsoDate } from "./calendar";
import { fromCents, roundUsd, toCents } from "./money";

/** Cost of one service on one UTC day. */
export interface DailyPoint {
  date: IsoDate;
  usd: number;
}

/** A service's daily costs; several points on one date (one per SKU, say) are added up. */
export interface DailySeries {
  service: string;
  points: readonly DailyPoint[];
}

/** Every knob of the detector, validated by `resolveSpikeOptions`. */
export interface SpikeOptions {
  /** Trailing days the level is the median of, and the length of an episode (see the module comment). */
  windowDays: number;
  /** Relative increase over the baseline that counts as a spike, as a fraction (0.2 = 20%). */
  minIncreasePct: number;
  /** Absolute increase in USD a spike must also exceed, so cents-level noise never pages anyone. */
  minIncreaseUsd: number;
  /** Weeks of same-weekday history the weekly factors are medians of; 0 turns the weekly factor off. */
  seasonalWeeks: number;
}

/**
 * Defaults. 20% and $1: product decision, issue #4, 2026-11-27. 14-day window and 4 weeks of
 * weekly factors: chosen on the seeded tuning set of bench/spike-detection.bench.ts, 2026-11-27.
 */
export const DEFAULT_SPIKE_OPTIONS: Readonly<SpikeOptions> = Object.freeze({
  windowDays: 14,
  minIncreasePct: 0.2,
  minIncreaseUsd: 1,
  seasonalWeeks: 4,
});

/** Name under which spikes of the all-services total are reported. */
export const TOTAL_SERVICE = "(total)";

/** `spike`: a rise over the baseline; `new-service`: first cost ever seen for the service, above the floor. */
export type SpikeKind = "spike" | "new-service";

/** One alert-worthy day. */
export interface Spike {
  service: string;
  date: IsoDate;
  kind: SpikeKind;
  usd: number;
  baselineUsd: number;
  increaseUsd: number;
  /** Increase as a fraction of the baseline; null when the baseline is 0. */
  increasePct: number | null;
}

/** Defaults overlaid with `overrides`, checked; errors name the option and the bad value. */
export function resolveSpikeOptions(overrides: Partial<SpikeOptions> = {}): SpikeOptions {
  const options = { ...DEFAULT_SPIKE_OPTIONS, ...overrides };
  if (!Number.isInteger(options.windowDays) || options.windowDays < 3) {
    throw new RangeError(`options.windowDays must be a whole number >= 3 (got ${options.windowDays})`);
  }
  if (!Number.isFinite(options.minIncreasePct) || options.minIncreasePct <= 0) {
    throw new RangeError(`options.minIncreasePct must be a fraction > 0, e.g. 0.2 for 20% (got ${options.minIncreasePct})`);
  }
  if (!Number.isFinite(options.minIncreaseUsd) || options.minIncreaseUsd < 0) {
    throw new RangeError(`options.minIncreaseUsd must be a number >= 0 (got ${options.minIncreaseUsd})`);
  }
  if (!Number.isInteger(options.seasonalWeeks) || options.seasonalWeeks < 0) {
    throw new RangeError(`options.seasonalWeeks must be a whole number >= 0 (got ${options.seasonalWeeks})`);
  }
  return options;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The detector's verdict on one day that alerted. */
export interface SpikeVerdict {
  kind: SpikeKind;
  baselineUsd: number;
}

// A weekly factor outside [½, 2] is more likely a spike caught in the ratios than a rhythm.
const MIN_WEEKLY_FACTOR = 0.5;
const MAX_WEEKLY_FACTOR = 2;
// A remembered charge counts as having recurred when today's excess is at least half of it (sizes
// are measured over a noisy level); a smaller excess is judged as if no charge were due, so a
// real spike smaller than a remembered charge still alerts. Above it, the usual 20% / $1 rule
// applies to baseline + charge. A charge seen once is forgotten if it does not recur the next
// month (it was more likely a one-off spike); one that recurred, after two months without it.
// Rechecked on the tuning seeds of bench:spikes, 2026-11-29: 0.35 scored the same, 0.7 worse
// (false alarms with charges +14.5% over without, vs +10.5%).
const RECURRED_FRACTION = 0.5;
// A charge seen only once may have come with a spike that day, so its size is less sure: it
// counts as recurred from a quarter of it.
const RECURRED_FRACTION_UNCONFIRMED = 0.25;
// Days of the level charges are measured against (see `chargeLevel`). Rechecked on the tuning seeds
// of bench:spikes, 2026-11-29, after the fixes of that day: 2 days +24% false alarms with charges
// over without, 3, 5 and 6 days +8% to +13%, 4 days +10.5%, within noise of each other.
const CHARGE_LEVEL_DAYS = 4;
// A charge that came with more than twice its remembered size keeps its size: the rest was a
// spike on top of it, not the charge.
const MAX_RESIZE_FACTOR = 2;
// Measures a charge's size is the median of: three outvote one bad month; five scored the same on
// the tuning seeds of bench:spikes (2026-11-29) and take longer to follow a changed price.
const CHARGE_SIZES = 3;
const FORGET_UNCONFIRMED_AFTER_MONTHS = 1;
const FORGET_AFTER_MONTHS = 2;
// Elevated runs of at most this many days are one-off charges (a charge, or two on adjacent days);
// longer runs are a level shift, whose days are not monthly charges.
const MAX_CHARGE_RUN_DAYS = 3;
// An elevated run is judged a level shift once it lasts this many days, without waiting for its end
// (a shift that stays never ends its run), so its plateau is the median of one of each weekday.
// 5, 10 and 14 days scored within noise of 7 on the tuning seeds of bench:spikes (2026-11-29).
const SHIFT_RUN_DAYS = 7;

/** A charge remembered for its day of the month (plain data, so the detector's state stays serialisable). */
export interface MonthlyCharge {
  /** Day of the month it was billed on (1–31); in shorter months it recurs on the last day. */
  anchorDay: number;
  /** Seen on a month's last day: it may be a month-end charge, so it is also due on every month's last day. */
  monthEnd: boolean;
  /** Its expected excess over the level, USD: the median of `sizes`. */
  usd: number;
  /**
   * Its excess over the level the last `CHARGE_SIZES` months it came without alerting (and the
   * first time): one month's measure is off by that day's noise or a shift that day, the median
   * of three is not.
   */
  sizes: number[];
  /** Its excess the last month it came, alerting or not: a charge learned too small is expected at this size next time. */
  lastSeenUsd: number;
  /** Months since year 0 (year × 12 + month − 1) of its last occurrence. */
  lastMonth: number;
  /** True once it has recurred at least once. */
  confirmed: boolean;
}

/** Where a date falls in its month, for matching monthly charges. */
interface MonthDay {
  dayOfMonth: number;
  daysInMonth: number;
  monthIndex: number;
}

function monthDayOf(date: IsoDate): MonthDay {
  const parsed = parseIsoDate(date);
  const year = parsed.getUTCFullYear();
  const month = parsed.getUTCMonth();
  return { dayOfMonth: parsed.getUTCDate(), daysInMonth: new Date(Date.UTC(year, month + 1, 0)).getUTCDate(), monthIndex: year * 12 + month };
}

/**
 * What a due charge is expected to add today, given today's excess over the level: the larger of
 * its two remembered sizes that the excess reaches `RECURRED_FRACTION` of, or 0 when it did not
 * come (then the day is judged as if no charge were due, so a real spike still alerts).
 */
function expectedCharge(charge: MonthlyCharge, excess: number): number {
  const fraction = charge.confirmed ? RECURRED_FRACTION : RECURRED_FRACTION_UNCONFIRMED;
  const sizes = [charge.usd, charge.lastSeenUsd].filter((size) => excess >= fraction * size);
  return sizes.length === 0 ? 0 : Math.max(...sizes);
}

/** A due charge and what it is expected to add today. */
interface ExpectedCharge {
  charge: MonthlyCharge;
  usd: number;
}

/**
 * The due charges that came today, largest first, each judged on the excess the larger ones
 * leave (two charges of one day are both expected only when the excess covers both).
 */
function expectedCharges(due: readonly MonthlyCharge[], excess: number): ExpectedCharge[] {
  const expected: ExpectedCharge[] = [];
  let left = excess;
  for (const charge of [...due].sort((a, b) => Math.max(b.usd, b.lastSeenUsd) - Math.max(a.usd, a.lastSeenUsd))) {
    const usd = expectedCharge(charge, left);
    if (usd > 0) {
      expected.push({ charge, usd });
      left -= usd;
    }
  }
  return expected;
}

function sumOf(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
}

/**
 * True when a charge is due on `day`: on its anchor day, which a shorter month clamps to its last
 * day (the 31st falls on Feb 28 and Apr 30), or, for a charge first seen on a month's last day,
 * on any day from that day of the month to the month's end (first seen Feb 28, it may be a
 * charge of the 28th, 30th or 31st; it is expected on each until it recurs and its day is known).
 */
export function monthlyChargeIsDue(charge: Pick<MonthlyCharge, "anchorDay" | "monthEnd">, day: { dayOfMonth: number; daysInMonth: number }): boolean {
  return day.dayOfMonth === Math.min(charge.anchorDay, day.daysInMonth) || (charge.monthEnd && day.dayOfMonth >= charge.anchorDay);
}

/**
 * Streaming detector for one daily series: feed days in order with `push`, one call per
 * calendar day (a day without cost is 0). Used by `detectSpikes` and directly by the benchmark.
 */
export class SpikeDetector {
  /** Last `windowDays` deseasonalised costs. */
  private readonly window: number[] = [];
  /** Last 7 raw costs, whose median is the week's level the weekly ratios are taken against. */
  private readonly lastWeek: number[] = [];
  /** Per weekday (0 = Sunday), the last `seasonalWeeks` ratios cost ÷ median of the week ending that day. */
  private readonly weekdayRatios: number[][] = Array.from({ length: 7 }, () => []);
  /** Per weekday, whether it was high against its weekly factor last week (see the weekly-rhythm comment in `push`). */
  private readonly highLastWeek: boolean[] = Array<boolean>(7).fill(false);
  private episode: { deseasonalised: number[]; daysLeft: number } | undefined;
  /** Charges remembered by day of the month (see the module comment). */
  private readonly monthlyCharges: MonthlyCharge[] = [];
  /** The current run of days elevated over the trailing level, each with its excess: charge candidates. */
  private elevatedRun: { day: MonthDay; usd: number; levelUsd: number }[] = [];
  /** The deseasonalised charge level on the day before the current elevated run began. */
  private runLevel = 0;
  private seen = false;
  private readonly options: SpikeOptions;

  /** `reportNewService: false` for aggregates like the total, whose first day is not news. */
  constructor(
    options: SpikeOptions,
    private readonly reportNewService = true,
  ) {
    this.options = resolveSpikeOptions(options);
  }

  /**
   * Records the day's cost (weekday 0 = Sunday); returns a verdict when that day is a spike.
   * With the day's `date`, monthly recurring charges are learned too (see the module comment);
   * without it the detector knows only the weekly rhythm.
   */
  push(weekday: number, usd: number, date?: IsoDate): SpikeVerdict | undefined {
    if (!Number.isInteger(weekday) || weekday < 0 || weekday > 6) throw new RangeError(`weekday must be 0 (Sunday) … 6 (got ${weekday})`);
    if (!Number.isFinite(usd)) throw new RangeError(`usd must be a finite number (got ${usd})`);
    const monthDay = date === undefined ? undefined : monthDayOf(date);
    if (date !== undefined && weekdayOf(date) !== weekday) throw new RangeError(`weekday ${weekday} is not the weekday of date ${date} (${weekdayOf(date)})`);
    const factor = this.weeklyFactor(weekday);
    const chargeLevel = this.seen ? this.chargeLevel() : 0;
    const chargeLevelUsd = chargeLevel * factor;
    // The charges due today that today's cost looks like it brought (see RECURRED_FRACTION), each
    // at the larger of its two remembered sizes that today's excess supports; several charges can
    // fall on one day (the 30th and the 31st both on Feb 28), and each is expected.
    const expected = monthDay && this.seen ? expectedCharges(this.dueCharges(monthDay), usd - chargeLevelUsd) : [];
    const verdict = this.judge(usd, factor, sumOf(expected.map((e) => e.usd)));
    // Today's cost without the part remembered monthly charges explain (never below the level),
    // so a monthly charge never enters the level or the weekly rhythm after its first time.
    const rhythmKnown = this.options.seasonalWeeks === 0 || this.weekdayRatios[weekday].length >= 2;
    if (monthDay && this.seen) usd -= this.learnMonthlyCharges(monthDay, expected, usd, factor, chargeLevel, rhythmKnown, verdict);
    const deseasonalised = usd / factor;
    if (verdict) this.episode = { deseasonalised: [], daysLeft: this.options.windowDays };
    if (this.episode) {
      this.episode.deseasonalised.push(deseasonalised);
      this.episode.daysLeft -= 1;
      if (this.episode.daysLeft === 0) this.episode = undefined;
    }
    pushBounded(this.window, deseasonalised, this.options.windowDays);
    pushBounded(this.lastWeek, usd, 7);
    const weekLevel = median(this.lastWeek);
    // Once a weekday's rhythm is known, a day that alerted is not rhythm: with monthly charges and
    // spikes every few weeks, their ratios would otherwise be half of a weekday's last four.
    // But a weekday that is high against its rhythm two weeks running (alerting or hidden in an
    // episode) is more likely a rhythm the ratios missed than two spikes: it is counted, or it
    // would alert every week from then on.
    if (this.options.seasonalWeeks > 0 && this.lastWeek.length === 7 && weekLevel > 0) {
      const ratio = usd / weekLevel;
      if (!(verdict && rhythmKnown && !this.highLastWeek[weekday])) pushBounded(this.weekdayRatios[weekday], ratio, this.options.seasonalWeeks);
      this.highLastWeek[weekday] = ratio > factor * (1 + this.options.minIncreasePct);
    }
    if (usd > 0) this.seen = true;
    return verdict;
  }

  private elevated(increase: number, baselineUsd: number): boolean {
    const { minIncreasePct, minIncreaseUsd } = this.options;
    return increase > minIncreaseUsd && (baselineUsd === 0 || increase > minIncreasePct * baselineUsd);
  }

  /** `expectedChargeUsd`: what a monthly charge due today may add before the day counts as a spike. */
  private judge(usd: number, factor: number, expectedChargeUsd: number): SpikeVerdict | undefined {
    if (!this.seen) {
      return this.reportNewService && usd > this.options.minIncreaseUsd ? { kind: "new-service", baselineUsd: 0 } : undefined;
    }
    const baselineUsd = median(this.episode ? this.episode.deseasonalised : this.window) * factor + expectedChargeUsd;
    return this.elevated(usd - baselineUsd, baselineUsd) ? { kind: "spike", baselineUsd } : undefined;
  }

  /**
   * The deseasonalised level monthly charges are measured against: the median of the last
   * `CHARGE_LEVEL_DAYS` days, which follows a level shift within four days where the 14-day
   * window lags for a week (a charge sized against a stale level would be remembered wrong).
   */
  private chargeLevel(): number {
    return median(this.window.slice(-CHARGE_LEVEL_DAYS));
  }

  /** The remembered charges due today; forgets charges that stopped recurring. */
  private dueCharges(day: MonthDay): MonthlyCharge[] {
    for (let i = this.monthlyCharges.length - 1; i >= 0; i--) {
      const charge = this.monthlyCharges[i];
      if (day.monthIndex - charge.lastMonth > (charge.confirmed ? FORGET_AFTER_MONTHS : FORGET_UNCONFIRMED_AFTER_MONTHS)) this.monthlyCharges.splice(i, 1);
    }
    return this.monthlyCharges.filter((charge) => charge.lastMonth < day.monthIndex && monthlyChargeIsDue(charge, day));
  }

  /**
   * Learns monthly charges and returns the part of today's cost remembered ones explain (0 when
   * none recurred today). `level` is the deseasonalised `chargeLevel`. Charges that recurred are
   * renewed at today's size (shared in proportion when several came) unless today alerted or came
   * with more on top (a real spike on top must not become the expected charge). Other days
   * elevated over the level before them form runs; a run that ends within `MAX_CHARGE_RUN_DAYS`
   * was one-off charges and each of its days is remembered, alerted or not (a second charge the
   * day after the first is hidden by the first one's episode, but is just as monthly).
   */
  private learnMonthlyCharges(
    day: MonthDay,
    expected: readonly ExpectedCharge[],
    usd: number,
    factor: number,
    level: number,
    rhythmKnown: boolean,
    verdict: SpikeVerdict | undefined,
  ): number {
    if (expected.length > 0) {
      const excess = usd - level * factor;
      const total = sumOf(expected.map((e) => e.usd));
      const resize = !verdict && excess <= MAX_RESIZE_FACTOR * total;
      for (const { charge, usd: size } of expected) {
        const share = (excess * size) / total;
        this.renew(charge, day, resize ? share : undefined, share);
      }
      return Math.min(total, excess);
    }
    // Until the weekly rhythm is known, a busy weekend looks like a two-day charge: learn nothing yet.
    if (!rhythmKnown) return 0;
    // A run's days are measured against the level before it began, not the trailing 4-day level:
    // that one climbs onto a level shift's plateau within three days, and the shift would
    // otherwise end its run early and be remembered as charges.
    const levelUsd = (this.elevatedRun.length > 0 ? this.runLevel : level) * factor;
    if (this.elevated(usd - levelUsd, levelUsd)) {
      if (this.elevatedRun.length === 0) this.runLevel = level;
      this.elevatedRun.push({ day, usd: usd - levelUsd, levelUsd });
      // A run this long is a level shift: learn the charges on top of it now, and measure the
      // next days against its plateau, which the trailing level has reached by then.
      if (this.elevatedRun.length >= SHIFT_RUN_DAYS) this.endRun();
      return 0;
    }
    this.endRun();
    return 0;
  }

  /** Remembers the charges of the elevated run that just ended (see `learnMonthlyCharges`). */
  private endRun(): void {
    if (this.elevatedRun.length <= MAX_CHARGE_RUN_DAYS) {
      for (const charged of this.elevatedRun) this.remember(charged.day, charged.usd);
    } else {
      // A level shift: its plateau is the run's median excess; a day that rose above the plateau
      // as a charge does above the level is a charge on top of the shift.
      const plateau = median(this.elevatedRun.map((charged) => charged.usd));
      for (const charged of this.elevatedRun) {
        if (this.elevated(charged.usd - plateau, charged.levelUsd + plateau)) this.remember(charged.day, charged.usd - plateau);
      }
    }
    this.elevatedRun = [];
  }

  /** `usd`: today's size, or undefined when it is not one to learn (today alerted, or came with more on top). */
  private renew(charge: MonthlyCharge, day: MonthDay, usd: number | undefined, seenUsd: number): void {
    if (usd !== undefined) {
      pushBounded(charge.sizes, usd, CHARGE_SIZES);
      charge.usd = median(charge.sizes);
    }
    charge.lastSeenUsd = seenUsd;
    charge.confirmed = true;
    charge.lastMonth = day.monthIndex;
    // Its day is now known: the day it recurred on (a charge of the 31st recurring on Apr 30 stays
    // "month end" until a 31-day month shows which).
    if (day.dayOfMonth !== Math.min(charge.anchorDay, day.daysInMonth)) charge.anchorDay = day.dayOfMonth;
    if (day.dayOfMonth !== day.daysInMonth) charge.monthEnd = false;
  }

  private remember(day: MonthDay, usd: number): void {
    const known = this.monthlyCharges.find((charge) => charge.anchorDay === day.dayOfMonth);
    if (known) this.renew(known, day, usd, usd);
    else this.monthlyCharges.push({ anchorDay: day.dayOfMonth, monthEnd: day.dayOfMonth === day.daysInMonth, usd, sizes: [usd], lastSeenUsd: usd, lastMonth: day.monthIndex, confirmed: false });
  }

  private weeklyFactor(weekday: number): number {
    const ratios = this.weekdayRatios[weekday];
    if (ratios.length < 2) return 1;
    return Math.min(MAX_WEEKLY_FACTOR, Math.max(MIN_WEEKLY_FACTOR, median(ratios)));
  }
}

function pushBounded(values: number[], value: number, capacity: number): void {
  values.push(value);
  if (values.length > capacity) values.shift();
}

interface DenseSeries {
  service: string;
  cents: number[];
}

/** Turns sparse points into one value per day from `firstDate` to `asOfDate` (missing days cost 0). */
function densify(series: DailySeries, seriesIndex: number, firstDate: IsoDate, days: number): DenseSeries {
  const cents = new Array<number>(days).fill(0);
  series.points.forEach((point, pointIndex) => {
    const offset = daysBetween(firstDate, point.date);
    if (!Number.isFinite(point.usd)) {
      throw new RangeError(`series[${seriesIndex}].points[${pointIndex}].usd must be a finite number (got ${point.usd})`);
    }
    if (offset < days) cents[offset] += toCents(point.usd);
  });
  return { service: series.service, cents };
}

/**
 * Spikes on `asOfDate`, per service and for the total (reported as `TOTAL_SERVICE`). Each
 * series is replayed from the earliest date in the input so that episodes opened by earlier
 * alerts are honoured: a plateau alerted three days ago is not alerted again today. "New
 * service" means new within the input, so pass the stored history (at least `windowDays` plus
 * `seasonalWeeks` weeks, and every day back to a service's last cost).
 */
export function detectSpikes(series: readonly DailySeries[], options: SpikeOptions, asOfDate: IsoDate): Spike[] {
  const resolved = resolveSpikeOptions(options);
  parseIsoDate(asOfDate);
  const services = new Set<string>();
  series.forEach((s, index) => {
    if (s.service === "" || s.service === TOTAL_SERVICE) {
      throw new RangeError(`series[${index}].service must be a non-empty name other than "${TOTAL_SERVICE}" (got ${JSON.stringify(s.service)})`);
    }
    if (services.has(s.service)) throw new RangeError(`series[${index}].service is listed twice (got ${JSON.stringify(s.service)})`);
    services.add(s.service);
    s.points.forEach((point, pointIndex) => {
      try {
        parseIsoDate(point.date);
      } catch (error) {
        throw new RangeError(`series[${index}].points[${pointIndex}].${(error as Error).message}`);
      }
    });
  });
  const allDates = series.flatMap((s) => s.points.map((p) => p.date)).filter((date) => date <= asOfDate);
  if (allDates.length === 0) return [];
  const firstDate = allDates.reduce((a, b) => (a < b ? a : b));
  const days = daysBetween(firstDate, asOfDate) + 1;

  const dense = series.map((s, index) => densify(s, index, firstDate, days));
  const total: DenseSeries = {
    service: TOTAL_SERVICE,
    cents: Array.from({ length: days }, (_, day) => dense.reduce((sum, s) => sum + s.cents[day], 0)),
  };
  const firstWeekday = weekdayOf(firstDate);
  const spikes: Spike[] = [];
  for (const s of [...dense, total]) {
    const detector = new SpikeDetector(resolved, s.service !== TOTAL_SERVICE);
    let verdict: SpikeVerdict | undefined;
    s.cents.forEach((cents, day) => {
      verdict = detector.push((firstWeekday + day) % 7, fromCents(cents), addDays(firstDate, day));
    });
    if (verdict) {
      const usd = fromCents(s.cents[days - 1]);
      const baselineUsd = roundUsd(verdict.baselineUsd);
      spikes.push({
        service: s.service,
        date: asOfDate,
        kind: verdict.kind,
        usd,
        baselineUsd,
        increaseUsd: roundUsd(usd - verdict.baselineUsd),
        increasePct: verdict.baselineUsd === 0 ? null : (usd - verdict.baselineUsd) / verdict.baselineUsd,
      });
    }
  }
  return spikes;
}

