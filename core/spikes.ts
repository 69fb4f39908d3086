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
 */
import { daysBetween, parseIsoDate, weekdayOf, type IsoDate } from "./calendar";
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
  private episode: { deseasonalised: number[]; daysLeft: number } | undefined;
  private seen = false;
  private readonly options: SpikeOptions;

  /** `reportNewService: false` for aggregates like the total, whose first day is not news. */
  constructor(
    options: SpikeOptions,
    private readonly reportNewService = true,
  ) {
    this.options = resolveSpikeOptions(options);
  }

  /** Records the day's cost (weekday 0 = Sunday); returns a verdict when that day is a spike. */
  push(weekday: number, usd: number): SpikeVerdict | undefined {
    if (!Number.isInteger(weekday) || weekday < 0 || weekday > 6) throw new RangeError(`weekday must be 0 (Sunday) … 6 (got ${weekday})`);
    if (!Number.isFinite(usd)) throw new RangeError(`usd must be a finite number (got ${usd})`);
    const factor = this.weeklyFactor(weekday);
    const verdict = this.judge(usd, factor);
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
    if (this.options.seasonalWeeks > 0 && this.lastWeek.length === 7 && weekLevel > 0) {
      pushBounded(this.weekdayRatios[weekday], usd / weekLevel, this.options.seasonalWeeks);
    }
    if (usd > 0) this.seen = true;
    return verdict;
  }

  private judge(usd: number, factor: number): SpikeVerdict | undefined {
    const { minIncreasePct, minIncreaseUsd } = this.options;
    if (!this.seen) {
      return this.reportNewService && usd > minIncreaseUsd ? { kind: "new-service", baselineUsd: 0 } : undefined;
    }
    const level = median(this.episode ? this.episode.deseasonalised : this.window);
    const baselineUsd = level * factor;
    const increase = usd - baselineUsd;
    const elevated = increase > minIncreaseUsd && (baselineUsd === 0 || increase > minIncreasePct * baselineUsd);
    return elevated ? { kind: "spike", baselineUsd } : undefined;
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
      verdict = detector.push((firstWeekday + day) % 7, fromCents(cents));
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

