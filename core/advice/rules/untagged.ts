import { checkRequiredTags, parseTag, suggestedTags, type DisallowedTagValue, type TagRequirementVerdict } from "../../tags";
import { suggestion } from "../suggestion";
import type { AdviceRule, EvidenceValue, ResourceRef, Suggestion } from "../types";

/**
 * One untagged resource as reports list it (`advise --json`, the dashboard's API): the required
 * keys it lacks and each tag whose value the allow-list refuses, with the values it allows.
 */
export interface UntaggedEntry extends ResourceRef {
  missingKeys: string[];
  disallowed: DisallowedTagValue[];
}

/** "missing owner; env:staging is not one of prod, dev": what is wrong, in the words every report uses. */
export function describeTagProblems({ missingKeys, disallowed }: TagRequirementVerdict): string {
  return [
    ...(missingKeys.length > 0 ? [`missing ${missingKeys.join(", ")}`] : []),
    ...disallowed.map(({ key, value, allowed }) => `${key}:${value} ${allowed.length > 0 ? `is not one of ${allowed.join(", ")}` : "is not an allowed value"}`),
  ].join("; ");
}

const strings = (value: EvidenceValue | undefined): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);

/** A disallowed tag from evidence: `{key, value, allowed}`, or a bare "key:value" as stored before allowed values were kept. */
function disallowedOf(item: EvidenceValue): DisallowedTagValue | undefined {
  if (typeof item === "string") {
    const { key, value } = parseTag(item);
    return value === null ? undefined : { key, value, allowed: [] };
  }
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const { key, value, allowed } = item as Readonly<Record<string, EvidenceValue>>;
  return typeof key === "string" && typeof value === "string" ? { key, value, allowed: strings(allowed) } : undefined;
}

/** The report entry of an `untagged` suggestion, read back from its evidence. */
export function untaggedEntry(found: Pick<Suggestion, "resource" | "evidence">): UntaggedEntry {
  const disallowed = Array.isArray(found.evidence.disallowed) ? (found.evidence.disallowed as readonly EvidenceValue[]) : [];
  return {
    ...found.resource,
    missingKeys: strings(found.evidence.missingKeys),
    disallowed: disallowed.map(disallowedOf).filter((entry): entry is DisallowedTagValue => entry !== undefined),
  };
}

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
      const verdict = checkRequiredTags(tags, settings.requireTags);
      if (verdict.missingKeys.length === 0 && verdict.disallowed.length === 0) continue;
      found.push(
        suggestion("untagged", ref, {
          action: `tag it: ${suggestedTags(tags, verdict.missingKeys, settings.requireTags.allowedValues).join(", ")}`,
          reason: `${describeTagProblems(verdict)}, so its spend cannot be allocated`,
          // Tagging saves nothing by itself; it makes the rest of the bill explainable.
          monthlySavingsUsd: null,
          evidence: { missingKeys: verdict.missingKeys, disallowed: verdict.disallowed.map(({ key, value, allowed }) => ({ key, value, allowed: [...allowed] })) },
        }),
      );
    }
    return found;
  },
};
