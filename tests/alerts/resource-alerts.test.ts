import { SECRET_MASK } from "../../scripts/lib/program-runner";
import { MONITOR_ALERT, resourcesOfType, runStackProgram } from "../support/stack-program";

const ORDERS_DB = "3f1c9a52-7d4e-4b8a-9c61-2e5f0d8b7a14";

describe("index.ts with Pulumi.prod.yaml", () => {
  let run: Awaited<ReturnType<typeof runStackProgram>>;
  beforeAll(async () => {
    run = await runStackProgram("prod");
  });

  it("declares exactly the expected monitor alert policies", () => {
    const alerts = resourcesOfType(run, MONITOR_ALERT).map((r) => ({
      name: r.name,
      type: r.inputs.type,
      compare: r.inputs.compare,
      value: r.inputs.value,
      window: r.inputs.window,
      entities: r.inputs.entities,
      tags: r.inputs.tags,
      description: r.inputs.description,
      enabled: r.inputs.enabled,
    }));
    const db = { entities: [ORDERS_DB], tags: [], enabled: true };
    const workers = { entities: [], tags: ["service:worker"], enabled: true };
    expect(alerts).toEqual([
      { name: "orders-db-cpu-high", type: "v1/dbaas/alerts/cpu_alerts", compare: "GreaterThan", value: 70, window: "5m", ...db, description: "orders-db CPU above 70% for 5 min" },
      { name: "orders-db-cpu-low", type: "v1/dbaas/alerts/cpu_alerts", compare: "LessThan", value: 20, window: "1h", ...db, description: "orders-db CPU below 20% for 1 hour" },
      { name: "orders-db-memory", type: "v1/dbaas/alerts/memory_utilization_alerts", compare: "GreaterThan", value: 80, window: "5m", ...db, description: "orders-db memory above 80% for 5 min" },
      { name: "orders-db-disk", type: "v1/dbaas/alerts/disk_utilization_alerts", compare: "GreaterThan", value: 80, window: "5m", ...db, description: "orders-db disk above 80% for 5 min" },
      { name: "workers-cpu", type: "v1/insights/droplet/cpu", compare: "GreaterThan", value: 80, window: "5m", ...workers, description: "workers CPU above 80% for 5 min" },
      { name: "workers-memory", type: "v1/insights/droplet/memory_utilization_percent", compare: "GreaterThan", value: 85, window: "5m", ...workers, description: "workers memory above 85% for 5 min" },
      { name: "workers-disk", type: "v1/insights/droplet/disk_utilization_percent", compare: "GreaterThan", value: 85, window: "5m", ...workers, description: "workers disk above 85% for 5 min" },
      { name: "workers-public-outbound-bandwidth", type: "v1/insights/droplet/public_outbound_bandwidth", compare: "GreaterThan", value: 50, window: "10m", ...workers, description: "workers public outbound bandwidth above 50 Mbps for 10 min" },
    ]);
  });

  it("sends every policy to the configured emails and Slack channel, with the webhook URL kept secret", () => {
    for (const alert of resourcesOfType(run, MONITOR_ALERT)) {
      expect(alert.inputs.alerts).toEqual({
        emails: ["oncall@forkline.example", "finance@forkline.example"],
        slacks: [{ channel: "#ops-alerts", url: SECRET_MASK }],
      });
    }
  });

  it("parents every policy to the ResourceAlerts component", () => {
    const component = run.resources.find((r) => r.type === "do-cost-guard:alerts:ResourceAlerts");
    expect(component?.custom).toBe(false);
    for (const alert of resourcesOfType(run, MONITOR_ALERT)) expect(alert.parentUrn).toBe(component?.urn);
  });

  it("declares nothing but the component and its policies", () => {
    expect(run.resources.filter((r) => r.custom).every((r) => r.type === MONITOR_ALERT)).toBe(true);
  });

  it("exports the App Platform apps the tracker must poll for memory", () => {
    expect(run.outputs.appWatches).toEqual([
      { name: "storefront", appId: "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25", memoryThresholdPercent: 80, window: "5m" },
    ]);
  });
});
