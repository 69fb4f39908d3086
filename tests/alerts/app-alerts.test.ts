import { appAlerts } from "../../alerts/app-alerts";
import { appWatchesOf, type AlertTarget, type RuleSetting } from "../../alerts/rules";

describe("appAlerts", () => {
  it("defaults to memory > 80%, CPU > 80% and more than 3 restarts", () => {
    expect(appAlerts()).toEqual([
      { rule: "MEM_UTILIZATION", operator: "GREATER_THAN", value: 80, window: "FIVE_MINUTES" },
      { rule: "CPU_UTILIZATION", operator: "GREATER_THAN", value: 80, window: "FIVE_MINUTES" },
      { rule: "RESTART_COUNT", operator: "GREATER_THAN", value: 3, window: "TEN_MINUTES" },
    ]);
  });

  it("applies overrides, leaves out disabled rules and adds destinations", () => {
    const alerts = appAlerts({
      rules: { memory: { threshold: 90, window: "30m" }, cpu: false, restartCount: { enabled: false } },
      emails: ["oncall@forkline.example"],
    });
    expect(alerts).toEqual([
      { rule: "MEM_UTILIZATION", operator: "GREATER_THAN", value: 90, window: "THIRTY_MINUTES", destinations: { emails: ["oncall@forkline.example"], slackWebhooks: undefined } },
    ]);
  });
});

describe("appWatchesOf (what the deployed tracker watches)", () => {
  const on = (threshold: number, window: RuleSetting["window"] = "5m"): RuleSetting => ({ threshold, window, enabled: true });
  const off: RuleSetting = { threshold: 0, window: "1h", enabled: false };
  const app = (name: string, rules: Record<string, RuleSetting>): AlertTarget => ({ kind: "app", name, ids: [`00000000-0000-4000-8000-00000000000${name.length}`], rules });

  it("takes memory threshold and window from the memory rule, the allowance from the opt-in dailyBandwidth rule", () => {
    const targets: AlertTarget[] = [
      app("web", { memory: on(85, "10m"), dailyBandwidth: on(40, "1h") }),
      app("worker", { memory: on(80), dailyBandwidth: off }),
      app("batch", { memory: off, dailyBandwidth: on(10) }),
      { kind: "database", name: "orders-db", ids: ["3f1c9a52-7d4e-4b8a-9c61-2e5f0d8b7a14"], rules: { memory: on(80) } },
    ];
    expect(appWatchesOf(targets)).toEqual([
      { name: "web", appId: targets[0]!.ids[0], memoryThresholdPercent: 85, window: "10m", bandwidthAllowanceGiBPerDay: 40 },
      { name: "worker", appId: targets[1]!.ids[0], memoryThresholdPercent: 80, window: "5m" },
    ]);
  });

  it("declares no app-spec alert for the tracker-only daily bandwidth rule", () => {
    expect(appAlerts({ rules: { dailyBandwidth: { threshold: 40 } } }).map((alert) => alert.rule)).toEqual(["MEM_UTILIZATION", "CPU_UTILIZATION", "RESTART_COUNT"]);
  });
});
