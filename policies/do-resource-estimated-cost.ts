import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { estimateResource, FREE_RESOURCE_TYPES } from "../core/pricing";
import { formatUsd } from "../core/money";
import { describeComponents, describeUnpriced, priceStack } from "./estimates";
import { describeResource, isDigitalOceanType, knownInputs } from "./support";

/**
 * Reports what each DigitalOcean resource will cost per month, and the stack's total, so the
 * price of a change is visible in every preview before anyone deploys it.
 *
 * It is both a resource policy (one report per resource, shown next to it in the preview) and a
 * stack policy (the total, which no single resource can see); the policy SDK runs both halves.
 */
export const doResourceEstimatedCost: ResourceValidationPolicy & StackValidationPolicy = {
  name: "do-resource-estimated-cost",
  description: "Reports each DigitalOcean resource's estimated monthly cost and the stack's total.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    // Free types are known by type alone; skip copying their inputs out of the SDK's proxy.
    if (!isDigitalOceanType(args.type) || FREE_RESOURCE_TYPES.has(args.type)) return;
    const { inputs, unknownPaths } = knownInputs(args.props);
    const estimate = estimateResource(args.type, inputs);
    if (estimate.free) return;
    const resource = describeResource(args.type, args.name);
    if (estimate.monthlyUsd === null) {
      const unknown = describeUnpriced({ urn: args.urn, label: resource, estimate, unknownInputs: unknownPaths });
      reportViolation(`estimated cost unknown: ${unknown}${estimate.components.length > 0 ? `; ${describeComponents(estimate)}` : ""}`);
      return;
    }
    const autoscaled = estimate.maxMonthlyUsd !== undefined ? ` (up to ${formatUsd(estimate.maxMonthlyUsd)}/month when autoscaled)` : "";
    reportViolation(`estimated ${formatUsd(estimate.monthlyUsd)}/month${autoscaled}: ${resource}: ${describeComponents(estimate)}`);
  },
  validateStack: (args, reportViolation) => {
    const stack = priceStack(args.resources);
    const pricedCount = stack.resources.filter((resource) => resource.estimate.monthlyUsd !== null && !resource.estimate.free).length;
    const unpriced = stack.unpriced.length > 0 ? `; ${stack.unpriced.length} not priced: ${stack.unpriced.map(describeUnpriced).join(", ")}` : "";
    reportViolation(`estimated stack total ${formatUsd(stack.totalMonthlyUsd)}/month across ${pricedCount} priced DigitalOcean resources${unpriced}`);
  },
};
