import { estimateResource } from "../../pricing";
import { coversWindow, suggestion, usd } from "../suggestion";
import type { AdviceRule, Suggestion } from "../types";

/** A load balancer is billed per node whether or not anything reaches it (core/pricing `loadBalancers`). */
export const loadBalancerIdle: AdviceRule = {
  name: "load-balancer-idle",
  description: "Load balancers with no targets, or no connections over the window, are billed per node; delete them.",
  evaluate(context) {
    const found: Suggestion[] = [];
    for (const lb of context.inventory.loadBalancers) {
      const used = context.utilisation.loadBalancers.get(lb.id);
      const noTargets = lb.targetDropletIds.length === 0;
      const quiet = used?.connectionsMax !== undefined && coversWindow(used.coveredHours, context) && used.connectionsMax <= context.settings.loadBalancerIdleMaxConnections;
      if (!noTargets && !quiet) continue;
      // Priced by the estimator the pack uses, so the saving and the pre-deploy estimate agree.
      const price = estimateResource("digitalocean:index/loadBalancer:LoadBalancer", { sizeUnit: lb.sizeUnit ?? undefined, size: lb.sizeSlug ?? undefined }, context.catalog).monthlyUsd;
      const why = noTargets ? "forwards to no droplet" : `at most ${used?.connectionsMax} open connections over ${context.settings.lookbackDays} days (≤ ${context.settings.loadBalancerIdleMaxConnections})`;
      found.push(
        suggestion("load-balancer-idle", { kind: "loadBalancer", id: lb.id, name: lb.name }, {
          action: "delete",
          reason: `${why}; it costs ${usd(price)}/month`,
          monthlySavingsUsd: price,
          evidence: { targets: lb.targetDropletIds.length, connectionsMax: used?.connectionsMax ?? null },
        }),
      );
    }
    return found;
  },
};
