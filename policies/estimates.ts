/**
 * Prices the DigitalOcean resources the engine hands a stack policy, with the shared estimator in
 * core/pricing, so the cost report and the budget use the same numbers as `npm run plan`.
 */
import { PolicyResource } from "@pulumi/policy";
import { CostEstimate, estimateStack } from "../core/pricing";
import { formatUsd } from "../core/money";
import { describeResource, isDigitalOceanType, knownInputs } from "./support";

/** One resource's estimate with what a message needs to name it. */
export interface PricedResource {
  urn: string;
  label: string;
  estimate: CostEstimate;
  /** Inputs the estimator read that are unknown until deploy (left out of the estimate). */
  unknownInputs: string[];
}

/** The stack's DigitalOcean resources, priced, and their total in USD per month. */
export interface PricedStack {
  resources: PricedResource[];
  totalMonthlyUsd: number;
  unpriced: PricedResource[];
}

/** Prices every DigitalOcean resource of the stack (providers, the stack and components cost nothing). */
export function priceStack(resources: readonly PolicyResource[]): PricedStack {
  const digitalOcean = resources.filter((resource) => isDigitalOceanType(resource.type));
  const known = digitalOcean.map((resource) => knownInputs(resource.props));
  const stack = estimateStack(digitalOcean.map((resource, index) => ({ urn: resource.urn, type: resource.type, inputs: known[index].inputs })));
  // After estimating: the unknown paths are those of the inputs the estimator read.
  const priced = stack.resources.map((estimate, index) => ({
    urn: estimate.urn,
    label: describeResource(digitalOcean[index].type, digitalOcean[index].name),
    estimate,
    unknownInputs: known[index].unknownPaths,
  }));
  const unpricedUrns = new Set(stack.unpricedUrns);
  return { resources: priced, totalMonthlyUsd: stack.totalMonthlyUsd, unpriced: priced.filter((resource) => unpricedUrns.has(resource.urn)) };
}

/** `Droplet s-2vcpu-4gb $24.00; Outbound transfer: depends on usage: $0.01/GiB` */
export function describeComponents(estimate: CostEstimate): string {
  return estimate.components
    .map((component) => (component.monthlyUsd === null ? `${component.name}: ${component.note ?? "depends on usage"}` : `${component.name} ${formatUsd(component.monthlyUsd)}`))
    .join("; ");
}

/** Why a resource could not be priced, for messages: the estimator's reasons and the unknown inputs. */
export function describeUnpriced(resource: PricedResource): string {
  const reasons = [...resource.estimate.unknowns, ...(resource.unknownInputs.length > 0 ? [`inputs unknown until deploy: ${resource.unknownInputs.join(", ")}`] : [])];
  return `${resource.label} (${reasons.join("; ") || "no price"})`;
}
