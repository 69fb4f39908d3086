/**
 * App Platform alerts. DigitalOcean has no monitor alert policy type for apps: app alerts
 * are part of the app spec (`specification/resources/apps/models/app_alert_spec.yml`) and
 * change only by replacing the spec. Users who declare their app in Pulumi put these entries
 * in each component's `alerts`; for apps deployed elsewhere the tracker polls app memory
 * through the metrics API instead.
 */
import type * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { APP_RULES, APP_WINDOW_OF, type AppRule, type AppRuleName, type RuleSetting } from "./rules";

export interface AppAlertOptions {
  /** Per-rule overrides; a rule set to `false` is left out. Defaults: memory > 80%, CPU > 80%, restarts > 3. */
  rules?: Partial<Record<AppRuleName, Partial<RuleSetting> | false>>;
  emails?: pulumi.Input<string>[];
  slack?: { channel: pulumi.Input<string>; url: pulumi.Input<string> }[];
}

/**
 * The component-level alert entries for an App Platform service, worker or job
 * (`digitalocean.App` spec `services[].alerts`), memory first.
 */
export function appAlerts(options: AppAlertOptions = {}): digitalocean.types.input.AppSpecServiceAlert[] {
  const destinations =
    options.emails || options.slack
      ? { emails: options.emails, slackWebhooks: options.slack?.map((s) => ({ channel: s.channel, url: s.url })) }
      : undefined;
  const alerts: digitalocean.types.input.AppSpecServiceAlert[] = [];
  for (const [name, rule] of Object.entries(APP_RULES) as [AppRuleName, AppRule][]) {
    const override = options.rules?.[name];
    // Tracker-only rules (daily bandwidth) have no app-spec alert to declare.
    if (rule.rule === undefined || override === false || override?.enabled === false) continue;
    const value = override?.threshold ?? rule.defaultThreshold;
    if (value === null) continue;
    alerts.push({
      rule: rule.rule,
      operator: rule.operator,
      value,
      window: APP_WINDOW_OF[override?.window ?? rule.defaultWindow],
      ...(destinations ? { destinations } : {}),
    });
  }
  return alerts;
}
