import { StackValidationPolicy } from "@pulumi/policy";
import { formatUsd, sumUsd } from "../core/money";
import { describeUnpriced, PricedResource, priceStack } from "./estimates";
import { configOver } from "./support";

/** Settings of do-stack-monthly-budget in the policy pack config. */
export interface MonthlyBudgetConfig {
  /** The most the stack's DigitalOcean resources may cost per month, in USD. */
  maxMonthlyUsd: number;
  /** The most any one resource may cost per month, in USD; unchecked when absent. */
  maxResourceMonthlyUsd?: number;
  /** Size slugs resources may use; empty allows every size. */
  allowedSizeSlugs: string[];
}

/**
 * Defaults: $500/month is the do-cost-guard default budget (chosen 2026-11-27: above the
 * ~$200/month a small production account of a droplet trio, a managed database and an app costs
 * at list prices, below what an accidental large size adds); stacks set their own in the config.
 */
export const MONTHLY_BUDGET_DEFAULTS: MonthlyBudgetConfig = {
  maxMonthlyUsd: 500,
  allowedSizeSlugs: [],
};

// How many of the most expensive resources a budget message names.
const LARGEST_SHOWN = 3;

/**
 * Blocks a deploy whose estimated monthly cost exceeds the stack's budget, or that uses a resource
 * over the per-resource limit or a size outside the allow-list, before the money is spent.
 */
export const doStackMonthlyBudget: StackValidationPolicy = {
  name: "do-stack-monthly-budget",
  description: "The stack's estimated monthly DigitalOcean cost stays within its budget, per-resource limit and allowed sizes.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxMonthlyUsd: { type: "number", minimum: 0, description: "Monthly budget of the whole stack, in USD.", default: MONTHLY_BUDGET_DEFAULTS.maxMonthlyUsd },
      maxResourceMonthlyUsd: { type: "number", minimum: 0, description: "Monthly limit of any one resource, in USD; unchecked when absent." },
      allowedSizeSlugs: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: "Size slugs resources may use (droplets, node pools, databases, app instances, load balancers); empty allows all.",
        default: MONTHLY_BUDGET_DEFAULTS.allowedSizeSlugs,
      },
    },
  },
  validateStack: (args, reportViolation) => {
    const config = configOver(MONTHLY_BUDGET_DEFAULTS, args.getConfig<Partial<MonthlyBudgetConfig>>());
    const stack = priceStack(args.resources);
    const notCounted = stack.unpriced.length > 0 ? ` Not counted (no price): ${stack.unpriced.map(describeUnpriced).join(", ")}.` : "";

    if (stack.totalMonthlyUsd > config.maxMonthlyUsd) {
      const over = sumUsd([stack.totalMonthlyUsd, -config.maxMonthlyUsd]);
      const largest = [...stack.resources]
        .filter((resource) => (resource.estimate.monthlyUsd ?? 0) > 0)
        .sort((a, b) => (b.estimate.monthlyUsd ?? 0) - (a.estimate.monthlyUsd ?? 0))
        .slice(0, LARGEST_SHOWN)
        .map((resource) => `${resource.label} ${formatUsd(resource.estimate.monthlyUsd ?? 0)}`);
      reportViolation(
        `estimated ${formatUsd(stack.totalMonthlyUsd)}/month exceeds the stack budget of ${formatUsd(config.maxMonthlyUsd)}/month by ${formatUsd(over)}. ` +
          `Largest: ${largest.join(", ")}. Fix: choose smaller sizes or fewer nodes, or raise maxMonthlyUsd of do-stack-monthly-budget in the policy pack config.${notCounted}`,
      );
    }

    const resourceLimit = config.maxResourceMonthlyUsd;
    if (resourceLimit !== undefined) {
      for (const resource of stack.resources) {
        const cost = resource.estimate.monthlyUsd;
        if (cost === null || cost <= resourceLimit) continue;
        reportViolation(
          `${resource.label} is estimated at ${formatUsd(cost)}/month, over the per-resource limit of ${formatUsd(resourceLimit)}/month. ` +
            `Fix: choose a smaller size, or raise maxResourceMonthlyUsd of do-stack-monthly-budget in the policy pack config.`,
          resource.urn,
        );
      }
    }

    if (config.allowedSizeSlugs.length > 0) {
      const allowed = new Set(config.allowedSizeSlugs);
      for (const resource of stack.resources) reportDisallowedSizes(resource, allowed, config.allowedSizeSlugs, reportViolation);
    }
  },
};

function reportDisallowedSizes(resource: PricedResource, allowed: Set<string>, allowedList: string[], reportViolation: (message: string, urn?: string) => void): void {
  const disallowed = resource.estimate.sizeSlugs.filter((slug) => !allowed.has(slug));
  if (disallowed.length === 0) return;
  reportViolation(
    `${resource.label} uses size ${disallowed.map((slug) => `"${slug}"`).join(", ")}, which is not in allowedSizeSlugs (${allowedList.join(", ")}). ` +
      `Fix: pick an allowed size, or add it to allowedSizeSlugs of do-stack-monthly-budget in the policy pack config.`,
    resource.urn,
  );
}
