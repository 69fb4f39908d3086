import { checkRequiredTags, suggestedTags } from "../../tags";
import { suggestion } from "../suggestion";
import type { AdviceRule, ResourceRef, Suggestion } from "../types";

/**
 * The runtime twin of the pack's `do-resource-require-tags`: the same verdict (core/tags
 * `checkRequiredTags`) under the same settings, over what exists in the account — including
 * what was made in the console or by scripts and never went through `pulumi up`.
 */
export const untagged: AdviceRule = {
  name: "untagged",
  description: "Resources missing required tag keys or carrying disallowed values; their spend cannot be allocated.",
  evaluate({ inventory, settings }) {
    const found: Suggestion[] = [];
    const taggable: { ref: ResourceRef; tags: readonly string[] }[] = [
      ...inventory.droplets.map((d) => ({ ref: { kind: "droplet" as const, id: d.id, name: d.name }, tags: d.tags })),
      ...inventory.volumes.map((v) => ({ ref: { kind: "volume" as const, id: v.id, name: v.name }, tags: v.tags })),
      ...inventory.databases.map((d) => ({ ref: { kind: "database" as const, id: d.id, name: d.name }, tags: d.tags })),
      ...inventory.nodePools.map((p) => ({ ref: { kind: "nodePool" as const, id: p.id, name: p.name }, tags: p.tags })),
    ];
    for (const { ref, tags } of taggable) {
      const { missingKeys, disallowed } = checkRequiredTags(tags, settings.requireTags);
      if (missingKeys.length === 0 && disallowed.length === 0) continue;
      const problems = [
        ...(missingKeys.length > 0 ? [`missing ${missingKeys.join(", ")}`] : []),
        ...disallowed.map(({ key, value, allowed }) => `${key}:${value} is not one of ${allowed.join(", ")}`),
      ];
      found.push(
        suggestion("untagged", ref, {
          action: `tag it: ${suggestedTags(tags, missingKeys, settings.requireTags.allowedValues).join(", ")}`,
          reason: `${problems.join("; ")}, so its spend cannot be allocated`,
          // Tagging saves nothing by itself; it makes the rest of the bill explainable.
          monthlySavingsUsd: null,
          evidence: { missingKeys, disallowed: disallowed.map(({ key, value }) => `${key}:${value}`) },
        }),
      );
    }
    return found;
  },
};
