import { estimateResource } from "../../pricing";
import { coversWindow, suggestion, usd } from "../suggestion";
import type { AdviceContext, AdviceRule, LoadBalancerFact, Suggestion } from "../types";

const LOAD_BALANCER_TYPE = "digitalocean:index/loadBalancer:LoadBalancer";

/**
 * Why a load balancer forwards to nothing, or undefined when it has targets. A GLOBAL one may
 * forward to droplets (by id or tag) or to regional load balancers (`target_load_balancer_ids`):
 * it has none only when all three are empty, and otherwise only its own traffic can say it is
 * idle. A regional one forwards to the droplets of its `droplet_ids` or of its `tag`.
 */
function noTargets(lb: LoadBalancerFact): string | undefined {
  if (lb.type === "GLOBAL") {
    const none = lb.targetTag === null && lb.targetDropletIds.length === 0 && lb.targetLoadBalancerIds.length === 0;
    return none ? "forwards to no droplet, tag or regional load balancer" : undefined;
  }
  if (lb.targetDropletIds.length > 0) return undefined;
  return lb.targetTag === null ? "forwards to no droplet" : `its tag ${lb.targetTag} matches no droplet`;
}

/**
 * Its monthly price and what it is billed as ("2-node REGIONAL_NETWORK", "GLOBAL"), from the
 * estimator the pack uses, so the saving and the pre-deploy estimate agree.
 */
function priced(lb: LoadBalancerFact, context: AdviceContext): { monthlyUsd: number | null; billedAs: string } {
  const estimate = estimateResource(LOAD_BALANCER_TYPE, { type: lb.type, sizeUnit: lb.sizeUnit ?? undefined, size: lb.sizeSlug ?? undefined }, context.catalog);
  const nodes = estimate.components.find((component) => component.unit === "nodes")?.quantity;
  return { monthlyUsd: estimate.monthlyUsd, billedAs: nodes ? `${nodes}-node ${lb.type}` : lb.type };
}

/** A load balancer is billed whether or not anything reaches it (core/pricing `loadBalancers.types`). */
export const loadBalancerIdle: AdviceRule = {
  name: "load-balancer-idle",
  description: "Load balancers with no targets, or no connections over the window, are billed by type and size; delete them.",
  evaluate(context) {
    const found: Suggestion[] = [];
    const { loadBalancerIdleMaxConnections: maxConnections, lookbackDays } = context.settings;
    for (const lb of context.inventory.loadBalancers) {
      const used = context.utilisation.loadBalancers.get(lb.id);
      const empty = noTargets(lb);
      const quiet = used?.connectionsMax !== undefined && coversWindow(used.coveredHours, context) && used.connectionsMax <= maxConnections;
      if (empty === undefined && !quiet) continue;
      const { monthlyUsd: price, billedAs } = priced(lb, context);
      const why = empty ?? `at most ${used?.connectionsMax} open connections over ${lookbackDays} days (≤ ${maxConnections})`;
      found.push(
        suggestion("load-balancer-idle", { kind: "loadBalancer", id: lb.id, name: lb.name }, {
          action: "delete",
          reason: `${why}; as a ${billedAs} load balancer it costs ${usd(price)}/month`,
          monthlySavingsUsd: price,
          // What it is and why it is idle; the connection count itself moves within "idle" without changing the advice.
          evidence: { type: lb.type, sizeUnit: lb.sizeUnit, sizeSlug: lb.sizeSlug, idleBy: empty === undefined ? "traffic" : "targets" },
        }),
      );
    }
    return found;
  },
};
