import { ResourceValidationPolicy } from "@pulumi/policy";
import { projectAndStackOfUrn, STACK_TAG_KEY, stackTag } from "../core/calibration/stack-reconciliation";
import { isTaggableType } from "../core/tags";
import { describeResource, readTags } from "./support";

/**
 * Every taggable DigitalOcean resource carries `stack:<project>-<stack>`, so the invoice items
 * it causes can be attributed to the stack and set against the plan's estimate (`npm run
 * tracker -- reconcile --plan plan.json`, issue 11). Advisory: a missing tag costs nothing but
 * that comparison.
 */
export const doResourceStackTag: ResourceValidationPolicy = {
  name: "do-resource-stack-tag",
  description: "Every taggable DigitalOcean resource carries stack:<project>-<stack>, so its invoice items can be reconciled with the stack's estimate.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (!isTaggableType(args.type)) return;
    const named = projectAndStackOfUrn(args.urn);
    if (!named) return;
    const { tags, anyUnknown, malformed } = readTags(args.props, "tags");
    // A malformed list is do-resource-tag-format's to report; an unknown one may hold the tag.
    if (malformed || anyUnknown) return;
    const expected = stackTag(named.project, named.stack);
    if (tags.includes(expected)) return;
    const resource = describeResource(args.type, args.name);
    const other = tags.filter((tag) => tag.startsWith(`${STACK_TAG_KEY}:`));
    const kept = tags.filter((tag) => !other.includes(tag));
    const problem = other.length > 0 ? `carries ${other.map((tag) => `"${tag}"`).join(", ")} but belongs to stack "${expected}"` : `lacks the stack tag "${expected}"`;
    reportViolation(
      `${resource} ${problem}, so its invoice items cannot be set against this stack's estimate (npm run tracker -- reconcile). Fix: tags: ${JSON.stringify([...kept, expected])}`,
    );
  },
};
