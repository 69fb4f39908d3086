/**
 * load-balancer-idle judges and prices a load balancer by what it is (issue 14, point 10): each
 * case beside its healthy twin, differing in the one fact the rule decides on. Prices come from
 * the catalog's own type rows, so the expectations never restate a number.
 */
import { resolveAdviceSettings, type LoadBalancerFact, type Utilisation } from "../../../core/advice";
import { loadBalancerIdle } from "../../../core/advice/rules/load-balancer-idle";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { FULL_WINDOW, INVENTORY, loadBalancer, NOW, UTILISATION } from "./account-fixture";

const type = (name: string): number => catalog.loadBalancerType(name)!.monthlyUsd!;
const BUSY: Utilisation = { connectionsMax: 480, ...FULL_WINDOW };
const QUIET: Utilisation = { connectionsMax: 0, ...FULL_WINDOW };

/** name, the load balancer's facts, its traffic (undefined: not measured yet), then the expected saving (null: no suggestion) and reason. */
const CASES: [string, Partial<LoadBalancerFact>, Utilisation | undefined, { usd: number; reason: RegExp } | null][] = [
  ["REGIONAL with no targets, 3 nodes", { type: "REGIONAL", sizeUnit: 3, targetDropletIds: [] }, undefined, { usd: 3 * type("REGIONAL"), reason: /^forwards to no droplet; as a 3-node REGIONAL load balancer/ }],
  ["  twin: REGIONAL forwarding to a droplet, busy", { type: "REGIONAL", sizeUnit: 3 }, BUSY, null],
  ["REGIONAL whose tag matches no droplet", { type: "REGIONAL", sizeUnit: 1, targetTag: "role:web", targetDropletIds: [] }, undefined, { usd: type("REGIONAL"), reason: /^its tag role:web matches no droplet/ }],
  ["  twin: REGIONAL whose tag matches a droplet, busy", { type: "REGIONAL", sizeUnit: 1, targetTag: "role:web", targetDropletIds: ["104"] }, BUSY, null],
  ["REGIONAL_NETWORK quiet, 2 nodes: its own per-node price", { type: "REGIONAL_NETWORK", sizeUnit: 2 }, QUIET, { usd: 2 * type("REGIONAL_NETWORK"), reason: /^at most 0 open connections over 14 days .*2-node REGIONAL_NETWORK/ }],
  ["  twin: REGIONAL_NETWORK busy", { type: "REGIONAL_NETWORK", sizeUnit: 2 }, BUSY, null],
  ["legacy lb-medium quiet: 3 nodes", { type: "REGIONAL", sizeSlug: "lb-medium" }, QUIET, { usd: 3 * type("REGIONAL"), reason: /3-node REGIONAL/ }],
  ["  twin: legacy lb-medium busy", { type: "REGIONAL", sizeSlug: "lb-medium" }, BUSY, null],
  ["GLOBAL with no droplet, tag or target load balancer: its own price", { type: "GLOBAL", targetDropletIds: [] }, undefined, { usd: type("GLOBAL"), reason: /^forwards to no droplet, tag or regional load balancer; as a GLOBAL load balancer/ }],
  ["  twin: GLOBAL forwarding to regional load balancers, busy (no droplet targets is not idle)", { type: "GLOBAL", targetDropletIds: [], targetLoadBalancerIds: ["lb-fra1", "lb-nyc3"] }, BUSY, null],
  ["GLOBAL forwarding to regional load balancers, quiet: idle by its own traffic", { type: "GLOBAL", targetDropletIds: [], targetLoadBalancerIds: ["lb-fra1"] }, QUIET, { usd: type("GLOBAL"), reason: /^at most 0 open connections/ }],
  ["  twin: the same, traffic not measured yet", { type: "GLOBAL", targetDropletIds: [], targetLoadBalancerIds: ["lb-fra1"] }, undefined, null],
  ["GLOBAL by a tag that matches nothing yet, quiet", { type: "GLOBAL", targetTag: "role:edge", targetDropletIds: [] }, QUIET, { usd: type("GLOBAL"), reason: /^at most 0 open connections/ }],
  ["  twin: GLOBAL by a tag that matches nothing yet, busy", { type: "GLOBAL", targetTag: "role:edge", targetDropletIds: [] }, BUSY, null],
];

describe("load-balancer-idle by type", () => {
  it.each(CASES)("%s", (_name, facts, traffic, expected) => {
    const lb = loadBalancer("lb-case", "case-lb", facts);
    const found = loadBalancerIdle.evaluate({
      inventory: { ...INVENTORY, loadBalancers: [lb] },
      utilisation: { ...UTILISATION, loadBalancers: new Map(traffic ? [[lb.id, traffic]] : []) },
      now: NOW,
      catalog,
      settings: resolveAdviceSettings(),
    });
    if (expected === null) {
      expect(found).toEqual([]);
      return;
    }
    expect(found).toHaveLength(1);
    expect(found[0]!.monthlySavingsUsd).toBe(expected.usd);
    expect(found[0]!.reason).toMatch(expected.reason);
    expect(found[0]!.reason).toContain(`costs $${expected.usd.toFixed(2)}/month`);
  });
});
