import { appAlerts } from "../../alerts/app-alerts";

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
