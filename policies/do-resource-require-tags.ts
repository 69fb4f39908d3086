import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkRequiredTags, isTaggableType, REQUIRE_TAGS_DEFAULTS, suggestedTags, type RequireTagsConfig } from "../core/tags";
import { configOver, describeResource, readTags } from "./support";

// The settings' shape and defaults live in core/tags (RequireTagsConfig, REQUIRE_TAGS_DEFAULTS), and
// the verdict is checkRequiredTags: the tracker's runtime untagged report uses all three as they are.

/**
 * Every taggable DigitalOcean resource carries the required `key:value` tags, because invoice
 * lines carry no tags and untagged spend cannot be allocated to a service or owner.
 */
export const doResourceRequireTags: ResourceValidationPolicy = {
  name: "do-resource-require-tags",
  description: "Every taggable DigitalOcean resource carries the required key:value tags, so its spend can be allocated.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requiredKeys: {
        type: "array",
        description: "Tag keys every taggable resource must carry as key:value.",
        items: { type: "string", pattern: "^[a-zA-Z0-9_\\-]+$" },
        uniqueItems: true,
        default: REQUIRE_TAGS_DEFAULTS.requiredKeys,
      },
      allowedValues: {
        type: "object",
        description: "Allowed values per tag key, e.g. {\"env\": [\"prod\", \"staging\"]}.",
        additionalProperties: { type: "array", items: { type: "string" }, minItems: 1 },
        default: REQUIRE_TAGS_DEFAULTS.allowedValues,
      },
    },
  },
  validateResource: (args, reportViolation) => {
    if (!isTaggableType(args.type)) return;
    const config = configOver(REQUIRE_TAGS_DEFAULTS, args.getConfig<Partial<RequireTagsConfig>>());
    const resource = describeResource(args.type, args.name);
    const { tags, anyUnknown, malformed } = readTags(args.props, "tags");
    if (malformed) {
      reportViolation(`${resource}: ${malformed}. Fix: tags: ${JSON.stringify(suggestedTags([], config.requiredKeys, config.allowedValues))}`);
      return;
    }
    // A tag still unknown during preview may supply a missing key; only `pulumi up` can tell.
    const verdict = checkRequiredTags(tags, config);
    const missing = anyUnknown ? [] : verdict.missingKeys;
    const disallowed = verdict.disallowed;
    if (missing.length === 0 && disallowed.length === 0) return;
    const problems = [
      ...(missing.length > 0 ? [`is missing required tag ${missing.length === 1 ? "key" : "keys"} ${missing.join(", ")}`] : []),
      ...disallowed.map(({ key, value, allowed }) => `has tag "${key}:${value}" but ${key} must be one of ${allowed.join(", ")}`),
    ];
    const fixed = suggestedTags(tags, missing, config.allowedValues);
    reportViolation(`${resource} ${problems.join("; ")}. Fix: tags: ${JSON.stringify(fixed)}`);
  },
};
