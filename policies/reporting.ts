/**
 * One report per resource in a small stack, one summary in a large one: the choice every advisory
 * policy that speaks about each resource (the cost estimate, the stack tag, the project reminder)
 * makes the same way, so a preview of a 5,000-resource stack shows a few summaries instead of
 * thousands of lines that are not problems (issue 17).
 *
 * Why these policies are stack validations: CrossGuard hands a resource validation one resource
 * and nothing about the stack around it (the engine calls `Analyze` once per resource, as it goes),
 * so only a stack validation (`AnalyzeStack`, every resource at once) can count the stack and
 * decide. Below the threshold each finding is still reported on its resource (with its URN, which
 * the engine shows next to the resource, as it does a resource validation's). Mandatory checks stay
 * resource validations and report every resource whatever the stack's size.
 */
import { PolicyConfigSchema, PolicyResource, ReportViolation } from "@pulumi/policy";
import { isDigitalOceanType } from "./support";

/** Settings of each summarizing policy in the pack config. */
export interface SummaryConfig {
  /** Above this many DigitalOcean resources in the stack, one summary replaces the per-resource reports. */
  summaryThreshold: number;
  /** How many resources a summary names. */
  summaryListed: number;
}

/**
 * Defaults from issue 17 (2026-12-06): per-resource reports stay readable up to about 200
 * resources, and 25 names are what a reader scans before the rest is a number.
 */
export const SUMMARY_DEFAULTS: Readonly<SummaryConfig> = Object.freeze({ summaryThreshold: 200, summaryListed: 25 });

/** The `configSchema` properties of {@link SummaryConfig}; each summarizing policy declares them as its own. */
export const SUMMARY_CONFIG_SCHEMA: PolicyConfigSchema["properties"] = {
  summaryThreshold: {
    type: "integer",
    minimum: 0,
    description: "Above this many DigitalOcean resources in the stack, report one stack-level summary instead of one report per resource.",
    default: SUMMARY_DEFAULTS.summaryThreshold,
  },
  summaryListed: {
    type: "integer",
    minimum: 0,
    description: "How many resources a stack-level summary names.",
    default: SUMMARY_DEFAULTS.summaryListed,
  },
};

/** How a policy reports on this stack: per resource, or one summary (and why). */
export interface ReportScale {
  summarize: boolean;
  /** DigitalOcean resources in the stack: what the threshold counts. */
  resourceCount: number;
  config: SummaryConfig;
}

/** Counts the stack's DigitalOcean resources (not providers, components or the stack) against the threshold. */
export function reportScale(resources: readonly PolicyResource[], config: SummaryConfig): ReportScale {
  let resourceCount = 0;
  for (const resource of resources) if (isDigitalOceanType(resource.type)) resourceCount++;
  return { summarize: resourceCount > config.summaryThreshold, resourceCount, config };
}

const COUNT = new Intl.NumberFormat("en-US");

/** `5,000` */
export function formatCount(count: number): string {
  return COUNT.format(count);
}

/** Says why a summary stands where per-resource reports would, and how to get them back. */
export function whySummarized(scale: ReportScale): string {
  return `one summary for the stack's ${formatCount(scale.resourceCount)} DigitalOcean resources, more than summaryThreshold ${formatCount(scale.config.summaryThreshold)}`;
}

/** `A, B, C and 12 more`: the first `listed` items, and how many were left out. */
export function listFirst(items: readonly string[], listed: number): string {
  const shown = items.slice(0, listed);
  const rest = items.length - shown.length;
  if (shown.length === 0) return `${formatCount(rest)} not named`;
  return rest > 0 ? `${shown.join(", ")} and ${formatCount(rest)} more` : shown.join(", ");
}

/** One resource's finding: what its own report says, and how a summary names it. */
export interface Finding {
  urn: string;
  /** `Droplet "web-1"` */
  label: string;
  message: string;
}

/**
 * Reports each finding on its resource, or, above the threshold, the one message `summary`
 * builds from all of them (nothing when there are none).
 */
export function reportEachOrSummary<F extends Finding>(scale: ReportScale, findings: readonly F[], reportViolation: ReportViolation, summary: (findings: readonly F[]) => string): void {
  if (!scale.summarize) {
    for (const finding of findings) reportViolation(finding.message, finding.urn);
    return;
  }
  if (findings.length > 0) reportViolation(summary(findings));
}
