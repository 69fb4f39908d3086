/**
 * The tracker's JSON configuration (`npm run tracker -- --config FILE`, or the deployed
 * action's TRACKER_CONFIG parameter): budget, threshold ladder with per-threshold recipients,
 * forecast, spikes, reports, unit cost, App Platform watches and the email sender.
 *
 * The rules live in core/tracker-settings.ts, the one schema the stack, the CLI and the action
 * share; this module keeps the names the tracker's code imports and turns the schema's
 * problems into a {@link TrackerConfigError}.
 */
import { parseTrackerSettings, type TrackerConfig } from "../../../core/tracker-settings";

export type { AppWatchConfig, ReportConfig, ThresholdConfig, TrackerConfig } from "../../../core/tracker-settings";

/** Thrown by {@link parseTrackerConfig}; `problems` lists every finding with its JSON path, bounded and without secrets. */
export class TrackerConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`tracker config is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    this.name = "TrackerConfigError";
  }
}

/**
 * Validates a parsed JSON config and returns it resolved and frozen; throws a
 * {@link TrackerConfigError} listing every problem (e.g.
 * `thresholds[2].amountUsd must be > thresholds[1].amountUsd (got 50 after 150)`).
 * Omitted `thresholds` means the default ladder $10/$50/$150/$200 sent to the top-level
 * `recipients`, which must then list someone.
 */
export function parseTrackerConfig(input: unknown): TrackerConfig {
  const result = parseTrackerSettings(input);
  if (!result.ok) throw new TrackerConfigError(result.problems);
  return result.settings;
}
