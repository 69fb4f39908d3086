/**
 * Whose spend one evaluation (thresholds, forecast, spikes, app watches, reports) is about, with
 * that subject's own settings: one team's resolved config (core/tracker-settings TeamConfig), or
 * the organisation's total with its own thresholds. A single-team deployment's config is itself
 * such a scope (no subject: its messages name nobody), which is how it runs exactly as before teams.
 */
import type { TrackerConfig } from "./config";
import type { MessageSubject } from "../notify/render";
import type { SpendAlertSettings, TeamConfig } from "../../../core/tracker-settings";
import type { UnitCostConfig } from "../../../core/unit-cost";

/** The settings an evaluation reads. {@link TrackerConfig} satisfies it (a single-team deployment). */
export interface EvaluationScope extends SpendAlertSettings {
  /** Named in every message; absent for a single-team deployment's implicit team. */
  subject?: MessageSubject;
  /** Cost per unit in the weekly report; a single-team deployment's only (units are the business's, not a team's). */
  units?: UnitCostConfig;
  dashboardUrl?: string;
}

/**
 * One team's scope: its own budget, thresholds, audiences and apps, named in its messages. The
 * implicit team of a config without `teams` is the config's top-level values, read exactly as
 * they always have been (and named nowhere).
 */
export function teamScope(config: TrackerConfig, team: TeamConfig): EvaluationScope {
  const { budgetMonthlyUsd, thresholds, forecast, spikes, reports, apps }: SpendAlertSettings = team.implicit ? config : team;
  return {
    ...teamSubject(team),
    budgetMonthlyUsd,
    thresholds,
    forecast,
    spikes,
    reports,
    apps,
    ...(team.implicit && config.units ? { units: config.units } : {}),
    ...(config.dashboardUrl ? { dashboardUrl: config.dashboardUrl } : {}),
  };
}

/** Who a team's messages name: a team of a config with teams; nobody for a single-team config's implicit team. */
export function teamSubject(team: TeamConfig): { subject?: MessageSubject } {
  return team.implicit ? {} : { subject: { team: team.name } };
}
