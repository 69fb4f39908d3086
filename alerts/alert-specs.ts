/**
 * Turns validated alert targets into the monitor alert policies to declare, as plain data.
 * Pure, so the component stays a thin adapter and tests can read the plan without Pulumi.
 */
import { describeAlert, MONITOR_RULES, type AlertTarget, type MonitorCompare, type MonitorKind, type MonitorRule, type MonitorWindow } from "./rules";

/** One DigitalOcean monitor alert policy, minus its destinations. */
export interface MonitorAlertSpec {
  /** Pulumi resource name: "<target>-<rule>" in kebab case, e.g. "orders-db-cpu-high". */
  resourceName: string;
  type: string;
  compare: MonitorCompare;
  value: number;
  window: MonitorWindow;
  entities: string[];
  tags: string[];
  description: string;
}

/** The policies for every enabled monitor rule of every database, droplet and load balancer target. */
export function monitorAlertSpecs(targets: readonly AlertTarget[]): MonitorAlertSpec[] {
  const specs: MonitorAlertSpec[] = [];
  for (const target of targets) {
    if (target.kind === "app") continue; // App Platform has no monitor alert type; see appAlerts().
    const table: Record<string, MonitorRule> = MONITOR_RULES[target.kind as MonitorKind];
    for (const [ruleName, rule] of Object.entries(table)) {
      const setting = target.rules[ruleName];
      if (!setting?.enabled) continue;
      specs.push({
        resourceName: `${target.name}-${kebab(ruleName)}`,
        type: rule.type,
        compare: rule.compare,
        value: setting.threshold,
        window: setting.window,
        entities: [...target.ids],
        tags: target.tag ? [target.tag] : [],
        description: describeAlert(target.name, rule, setting.threshold, setting.window),
      });
    }
  }
  return specs;
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}
