/**
 * Every alert do-cost-guard can declare must use values DigitalOcean's API accepts. The allowed
 * values are read from DigitalOcean's OpenAPI spec file, not copied into this test.
 */
import { appAlerts } from "../../alerts/app-alerts";
import { APP_WINDOW_OF, MONITOR_WINDOWS, RULES_BY_KIND } from "../../alerts/rules";
import { enumAt } from "../support/openapi";
import { MONITOR_ALERT, resourcesOfType, runStackProgram } from "../support/stack-program";

const POLICY = "#/components/schemas/alert_policy_request/properties";
const specTypes = enumAt(`${POLICY}/type`);
const specCompares = enumAt(`${POLICY}/compare`);
const specWindows = enumAt(`${POLICY}/window`);

/** One target of every kind, every rule on, windows varied, so every rule the code knows is declared. */
const EVERY_KIND = [
  { kind: "database", name: "orders-db", id: "3f1c9a52-7d4e-4b8a-9c61-2e5f0d8b7a14", rules: { memory: { window: "30m" } } },
  { kind: "database", name: "analytics-db", tag: "service:analytics", rules: { disk: { window: "10m" } } },
  { kind: "droplet", name: "workers", tag: "service:worker", ids: ["412345678"], rules: { cpu: { window: "1h" } } },
  { kind: "loadBalancer", name: "api-lb", ids: ["4de7ac8b-495b-4884-9a69-1050c6793cd6"] },
  { kind: "app", name: "storefront", id: "8d2b6e07-51c3-4f9a-a0d8-6c4e9b1f3e25" },
];

describe("declared alerts against DigitalOcean's OpenAPI enums", () => {
  let alerts: Record<string, unknown>[];
  beforeAll(async () => {
    const run = await runStackProgram("prod", { alertTargets: EVERY_KIND });
    alerts = resourcesOfType(run, MONITOR_ALERT).map((r) => r.inputs);
  });

  it("declares one policy per monitor rule of every non-app target", () => {
    const expected = EVERY_KIND.filter((t) => t.kind !== "app").reduce((n, t) => n + Object.keys(RULES_BY_KIND[t.kind as "database"]).length, 0);
    expect(alerts).toHaveLength(expected);
  });

  it("uses only alert types, comparisons and windows the spec accepts", () => {
    expect(specTypes.length).toBeGreaterThan(20);
    for (const alert of alerts) {
      expect(specTypes).toContain(alert.type);
      expect(specCompares).toContain(alert.compare);
      expect(specWindows).toContain(alert.window);
    }
  });

  it("offers exactly the windows the spec accepts in configuration", () => {
    expect([...MONITOR_WINDOWS].sort()).toEqual([...specWindows].sort());
  });

  it("builds App Platform alerts from the spec's app alert rules, operators and windows", () => {
    const specRules = enumAt("#/components/schemas/app_alert_spec_rule");
    const specOperators = enumAt("#/components/schemas/app_alert_spec_operator");
    const specAppWindows = enumAt("#/components/schemas/app_alert_spec_window");
    for (const window of MONITOR_WINDOWS) expect(specAppWindows).toContain(APP_WINDOW_OF[window]);
    const entries = appAlerts();
    expect(entries.map((e) => e.rule)).toEqual(["MEM_UTILIZATION", "CPU_UTILIZATION", "RESTART_COUNT"]);
    for (const entry of entries) {
      expect(specRules).toContain(entry.rule);
      expect(specOperators).toContain(entry.operator);
      expect(specAppWindows).toContain(entry.window);
    }
  });
});
