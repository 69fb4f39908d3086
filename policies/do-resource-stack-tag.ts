import { StackValidationPolicy } from "@pulumi/policy";
import { projectAndStackOfUrn, STACK_TAG_KEY, stackTag } from "../core/calibration/stack-reconciliation";
import { isTaggableType } from "../core/tags";
import { Finding, formatCount, listFirst, reportEachOrSummary, reportScale, SUMMARY_CONFIG_SCHEMA, SUMMARY_DEFAULTS, SummaryConfig, whySummarized } from "./reporting";
import { configOver, describeResource, readTags } from "./support";

/** A resource without this stack's tag: the tag it should carry, and whether it carries another stack's. */
interface MissingStackTag extends Finding {
  expected: string;
  otherStack: boolean;
}

/**
 * Every taggable DigitalOcean resource carries `stack:<project>-<stack>`, so the invoice items
 * it causes can be attributed to the stack and set against the plan's estimate (`npm run
 * tracker -- reconcile --plan plan.json`, issue 11). Advisory: a missing tag costs nothing but
 * that comparison. Reported on each resource in a small stack, as one summary above
 * `summaryThreshold` resources (policies/reporting.ts says why this is a stack validation).
 */
export const doResourceStackTag: StackValidationPolicy = {
  name: "do-resource-stack-tag",
  description: "Every taggable DigitalOcean resource carries stack:<project>-<stack>, so its invoice items can be reconciled with the stack's estimate.",
  enforcementLevel: "advisory",
  configSchema: { properties: { ...SUMMARY_CONFIG_SCHEMA } },
  validateStack: (args, reportViolation) => {
    const config = configOver<SummaryConfig>(SUMMARY_DEFAULTS, args.getConfig<Partial<SummaryConfig>>());
    const findings: MissingStackTag[] = [];
    for (const resource of args.resources) {
      if (!isTaggableType(resource.type)) continue;
      const named = projectAndStackOfUrn(resource.urn);
      if (!named) continue;
      const { tags, anyUnknown, malformed } = readTags(resource.props, "tags");
      // A malformed list is do-resource-tag-format's to report; an unknown one may hold the tag.
      if (malformed || anyUnknown) continue;
      const expected = stackTag(named.project, named.stack);
      if (tags.includes(expected)) continue;
      const label = describeResource(resource.type, resource.name);
      const other = tags.filter((tag) => tag.startsWith(`${STACK_TAG_KEY}:`));
      const kept = tags.filter((tag) => !other.includes(tag));
      const problem = other.length > 0 ? `carries ${other.map((tag) => `"${tag}"`).join(", ")} but belongs to stack "${expected}"` : `lacks the stack tag "${expected}"`;
      findings.push({
        urn: resource.urn,
        label,
        expected,
        otherStack: other.length > 0,
        message: `${label} ${problem}, so its invoice items cannot be set against this stack's estimate (npm run tracker -- reconcile). Fix: tags: ${JSON.stringify([...kept, expected])}`,
      });
    }
    const scale = reportScale(args.resources, config);
    reportEachOrSummary(scale, findings, reportViolation, (missing) => {
      // One stack per AnalyzeStack, so one expected tag; listed all the same should URNs ever disagree.
      const expected = [...new Set(missing.map((finding) => `"${finding.expected}"`))].join(", ");
      const otherStack = missing.filter((finding) => finding.otherStack).length;
      const others = otherStack > 0 ? ` (${formatCount(otherStack)} of them ${otherStack === 1 ? "carries" : "carry"} another stack's tag instead)` : "";
      return (
        `${formatCount(missing.length)} taggable DigitalOcean resources lack the stack tag ${expected}${others}, so their invoice items cannot be set against this stack's estimate ` +
        `(npm run tracker -- reconcile): ${listFirst(missing.map((finding) => finding.label), config.summaryListed)} (${whySummarized(scale)}). Fix: add ${expected} to their tags.`
      );
    });
  },
};
