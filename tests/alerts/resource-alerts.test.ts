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

  it("declares the cost tracker on Functions: a namespace, two actions and three schedules", () => {
    const custom = run.resources.filter((r) => r.custom && r.type !== MONITOR_ALERT);
    expect(custom.map((r) => `${r.type.replace("pulumi-nodejs:dynamic/do-cost-guard:", "")} ${r.name}`).sort()).toEqual([
      "FunctionsAction cost-tracker-dashboard",
      "FunctionsAction cost-tracker-tracker",
      "FunctionsNamespace cost-tracker-namespace",
      "FunctionsTrigger cost-tracker-check",
      "FunctionsTrigger cost-tracker-daily",
      "FunctionsTrigger cost-tracker-weekly",
    ]);
    const byName = Object.fromEntries(custom.map((r) => [r.name, r.inputs]));
    expect(byName["cost-tracker-namespace"]).toMatchObject({ region: "fra1", label: "cost-tracker" });
    expect(byName["cost-tracker-check"]).toMatchObject({ cron: "0 * * * *", body: { name: "check" }, enabled: true });
    expect(byName["cost-tracker-daily"]).toMatchObject({ cron: "0 7 * * *", body: { name: "daily" } });
    expect(byName["cost-tracker-weekly"]).toMatchObject({ cron: "0 7 * * 1", body: { name: "weekly" } });
    expect(byName["cost-tracker-tracker"]).toMatchObject({ packageName: "cost-tracker", actionName: "tracker", web: false, limits: { timeoutMs: 600_000, memoryMb: 256 } });
    expect(byName["cost-tracker-dashboard"]).toMatchObject({ actionName: "dashboard", web: true });
    // Every deployment parameter (token, database URL, config with the Slack URL) is a secret.
    expect(byName["cost-tracker-tracker"].parameters).toBe(SECRET_MASK);
    expect(byName["cost-tracker-dashboard"].parameters).toBe(SECRET_MASK);
  });

  it("exports the schedules and what the tracker costs to run", () => {
    expect(run.outputs.trackerSchedules).toEqual(["cost-tracker-check", "cost-tracker-daily", "cost-tracker-weekly"]);
    // Every check and daily run spending its whole advice slice (a large account): 1,080 requests paced at
    // 200 a minute are 300 s on top of the run's own 10 s (check) or 15 s (daily). 730 checks × 310 s +
    // 30.42 daily × 315 s + 4.33 weekly × 15 s = 226,300 + 9,581.25 + 65 = 235,946.25 s, at 256 MB =
    // 0.25 GiB: ≈ 58,987 GiB-s, inside the 90,000 free GiB-s → $0.
    expect(run.outputs.trackerMonthlyCost).toEqual({ usd: 0, gibSeconds: 58987, freeGiBSeconds: 90000 });
  });

  it("exports the App Platform apps the tracker must poll for memory", () => {
    expect(run.outputs.appWatches).toEqual([
      { name: "storefront", appId: "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25", memoryThresholdPercent: 80, window: "5m", team: "production" },
    ]);
  });
});
