import { StackValidationPolicy } from "@pulumi/policy";
import { formatUsd, sumUsd } from "../core/money";
import { describeComponents, describeUnpriced, PricedResource, priceStack } from "./estimates";
import { formatCount, listFirst, reportScale, SUMMARY_CONFIG_SCHEMA, SUMMARY_DEFAULTS, SummaryConfig, whySummarized } from "./reporting";
import { configOver } from "./support";

/**
 * Reports what the stack's DigitalOcean resources will cost per month, so the price of a change
 * is visible in every preview before anyone deploys it: in a small stack, each resource's estimate
 * (on the resource) and the total; above `summaryThreshold` resources, one report with the total,
 * the `summaryListed` most expensive resources and one line for the rest (policies/reporting.ts
 * says why this is a stack validation).
 */
export const doResourceEstimatedCost: StackValidationPolicy = {
  name: "do-resource-estimated-cost",
  description: "Reports the estimated monthly cost of each DigitalOcean resource and of the stack, summarized for large stacks.",
  enforcementLevel: "advisory",
  configSchema: { properties: { ...SUMMARY_CONFIG_SCHEMA } },
  validateStack: (args, reportViolation) => {
    const config = configOver<SummaryConfig>(SUMMARY_DEFAULTS, args.getConfig<Partial<SummaryConfig>>());
    const scale = reportScale(args.resources, config);
    const stack = priceStack(args.resources);
    const charged = stack.resources.filter((resource) => !resource.estimate.free);
    const priced = charged.filter((resource) => resource.estimate.monthlyUsd !== null);
    const total = `estimated stack total ${formatUsd(stack.totalMonthlyUsd)}/month across ${formatCount(priced.length)} priced DigitalOcean resources`;

    if (!scale.summarize) {
      for (const resource of charged) reportViolation(describeEstimate(resource), resource.urn);
      const unpriced = stack.unpriced.length > 0 ? `; ${stack.unpriced.length} not priced: ${stack.unpriced.map(describeUnpriced).join(", ")}` : "";
      reportViolation(`${total}${unpriced}`);
      return;
    }

    // Stable: equal costs keep the stack's order, so the summary reads the same on every run.
    const byCost = [...priced].sort((a, b) => (b.estimate.monthlyUsd ?? 0) - (a.estimate.monthlyUsd ?? 0));
    const top = byCost.slice(0, config.summaryListed);
    const rest = byCost.slice(top.length);
    const lines = [`${total} (${whySummarized(scale)})`];
    if (top.length > 0) lines.push(`most expensive ${top.length}:`, ...top.map((resource) => `  ${resource.label} ${costOf(resource)}`));
    if (rest.length > 0) lines.push(`the other ${formatCount(rest.length)} priced resources: ${formatUsd(sumUsd(rest.map((resource) => resource.estimate.monthlyUsd ?? 0)))}/month`);
    if (stack.unpriced.length > 0) lines.push(`${formatCount(stack.unpriced.length)} not priced, left out of the total: ${listFirst(stack.unpriced.map(describeUnpriced), config.summaryListed)}`);
    reportViolation(lines.join("\n"));
  },
};

/** `$48.00 (up to $96.00 when autoscaled)` */
function costOf(resource: PricedResource): string {
  const max = resource.estimate.maxMonthlyUsd;
  return `${formatUsd(resource.estimate.monthlyUsd ?? 0)}${max !== undefined ? ` (up to ${formatUsd(max)} when autoscaled)` : ""}`;
}

/** One resource's report: its estimate and components, or why it cannot be priced. */
function describeEstimate(resource: PricedResource): string {
  const { estimate } = resource;
  if (estimate.monthlyUsd === null) return `estimated cost unknown: ${describeUnpriced(resource)}${estimate.components.length > 0 ? `; ${describeComponents(estimate)}` : ""}`;
  const autoscaled = estimate.maxMonthlyUsd !== undefined ? ` (up to ${formatUsd(estimate.maxMonthlyUsd)}/month when autoscaled)` : "";
  return `estimated ${formatUsd(estimate.monthlyUsd)}/month${autoscaled}: ${resource.label}: ${describeComponents(estimate)}`;
}
