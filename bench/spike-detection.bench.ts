/**
 * Spike detection quality: the SpikeDetector of core/spikes.ts against the naive
 * "more than 20% above yesterday" rule, on seeded labelled series (bench/support).
 * Defaults were chosen on the tuning seeds; the headline figures are on held-out seeds.
 *
 *   npm run bench:spikes            # held-out report + the tuning-set table
 */
import { weekdayOf } from "../core/calendar";
import { DEFAULT_SPIKE_OPTIONS, SpikeDetector, resolveSpikeOptions, type SpikeOptions } from "../core/spikes";
import { generateLabelledSeries, type LabelledSeries } from "./support/synthetic-series";

const SERIES_COUNT = 200;
const DAYS = 180;
const TUNING_SEEDS = Array.from({ length: SERIES_COUNT }, (_, i) => 1 + i);
const HELD_OUT_SEEDS = Array.from({ length: SERIES_COUNT }, (_, i) => 10_001 + i);

type Rule = (series: LabelledSeries) => number[];

function detectorRule(options: SpikeOptions): Rule {
  return (series) => {
    const detector = new SpikeDetector(options);
    const firstWeekday = weekdayOf(series.startDate);
    const alerts: number[] = [];
    series.usd.forEach((usd, day) => {
      if (detector.push((firstWeekday + day) % 7, usd)) alerts.push(day);
    });
    return alerts;
  };
}

function dayOverDayRule(minIncreaseUsd: number): Rule {
  return (series) =>
    series.usd.flatMap((usd, day) => {
      const yesterday = series.usd[day - 1];
      return day > 0 && usd > yesterday * 1.2 && usd - yesterday > minIncreaseUsd ? [day] : [];
    });
}

interface Score {
  precision: number;
  recall: number;
  f1: number;
  falseAlarmsPer90Days: number;
}

function score(rule: Rule, seeds: readonly number[]): Score {
  let truePositives = 0;
  let falsePositives = 0;
  let positives = 0;
  let scoredDays = 0;
  for (const seed of seeds) {
    const series = generateLabelledSeries(seed, DAYS);
    const alerts = rule(series).filter((day) => day >= series.warmupDays);
    const hits = alerts.filter((day) => series.positives.has(day)).length;
    truePositives += hits;
    falsePositives += alerts.length - hits;
    positives += series.positives.size;
    scoredDays += DAYS - series.warmupDays;
  }
  const precision = truePositives / Math.max(1, truePositives + falsePositives);
  const recall = truePositives / Math.max(1, positives);
  return {
    precision,
    recall,
    f1: (2 * precision * recall) / Math.max(1e-9, precision + recall),
    falseAlarmsPer90Days: (falsePositives / scoredDays) * 90,
  };
}

function row(name: string, s: Score): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  return `${name.padEnd(50)} ${pct(s.precision)} ${pct(s.recall)} ${s.f1.toFixed(3).padStart(6)} ${s.falseAlarmsPer90Days.toFixed(2).padStart(8)}`;
}

function table(title: string, rules: [string, Rule][], seeds: readonly number[]): Map<string, Score> {
  console.log(`\n${title}`);
  console.log(`${"rule".padEnd(50)} ${"prec".padStart(7)} ${"recall".padStart(7)} ${"F1".padStart(6)} ${"FA/90d".padStart(8)}`);
  const scores = new Map<string, Score>();
  for (const [name, rule] of rules) {
    const s = score(rule, seeds);
    scores.set(name, s);
    console.log(row(name, s));
  }
  return scores;
}

function main(): void {
  const started = Date.now();
  const labelled = HELD_OUT_SEEDS.map((seed) => generateLabelledSeries(seed, DAYS));
  const positives = labelled.reduce((n, s) => n + s.positives.size, 0);
  console.log(
    `Spike detection: ${SERIES_COUNT} series × ${DAYS} days per seed set, ${positives} labelled positives in the held-out set ` +
      `(one-day spikes + first days of upward level shifts); first ${labelled[0].warmupDays} days of each series not scored.`,
  );
  console.log(`Detector defaults: ${JSON.stringify(DEFAULT_SPIKE_OPTIONS)}.`);

  const tuning: [string, Rule][] = [
    ["detector defaults", detectorRule(resolveSpikeOptions())],
    ["detector, no weekly factor", detectorRule(resolveSpikeOptions({ seasonalWeeks: 0 }))],
    ["detector, weekly factors over 2 weeks", detectorRule(resolveSpikeOptions({ seasonalWeeks: 2 }))],
    ["detector, weekly factors over 8 weeks", detectorRule(resolveSpikeOptions({ seasonalWeeks: 8 }))],
    ["detector, window 7", detectorRule(resolveSpikeOptions({ windowDays: 7 }))],
    ["detector, window 21", detectorRule(resolveSpikeOptions({ windowDays: 21 }))],
    ["detector, window 28", detectorRule(resolveSpikeOptions({ windowDays: 28 }))],
  ];
  table(`Tuning set (seeds ${TUNING_SEEDS[0]}–${TUNING_SEEDS[TUNING_SEEDS.length - 1]}):`, tuning, TUNING_SEEDS);

  const detectorName = "median-14d + weekly factor + episodes";
  const naiveName = "naive: > 20% over yesterday";
  const heldOut = table(
    `Held-out set (seeds ${HELD_OUT_SEEDS[0]}–${HELD_OUT_SEEDS[HELD_OUT_SEEDS.length - 1]}) — the reported figures:`,
    [
      [detectorName, detectorRule(resolveSpikeOptions())],
      [naiveName, dayOverDayRule(Number.NEGATIVE_INFINITY)],
      ["naive + $1 floor: > 20% and > $1 over yesterday", dayOverDayRule(1)],
    ],
    HELD_OUT_SEEDS,
  );
  const mine = heldOut.get(detectorName) as Score;
  const naive = heldOut.get(naiveName) as Score;
  console.log(
    `\nFalse alarms per 90 days: naive ${naive.falseAlarmsPer90Days.toFixed(2)} vs detector ${mine.falseAlarmsPer90Days.toFixed(2)} ` +
      `→ ${(naive.falseAlarmsPer90Days / Math.max(1e-9, mine.falseAlarmsPer90Days)).toFixed(1)}× fewer (target ≥ 3×); ` +
      `F1 ${mine.f1.toFixed(3)} (target ≥ 0.9).`,
  );
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main();
