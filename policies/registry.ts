/**
 * The pack's policies as one flat list; index.ts serves exactly this list. A duplicate name would
 * make the engine's config apply to the wrong policy, so it stops the pack at load.
 */
import { Policies } from "@pulumi/policy";
import { doResourceEstimatedCost } from "./do-resource-estimated-cost";
import { doResourceRequireTags } from "./do-resource-require-tags";
import { doResourceStackTag } from "./do-resource-stack-tag";
import { doResourceTagFormat } from "./do-resource-tag-format";
import { doStackMonthlyBudget } from "./do-stack-monthly-budget";
import { doUntaggableRequireProject } from "./do-untaggable-require-project";

/** Throws when two policies share a name; returns the list unchanged otherwise. */
export function assertUniquePolicyNames(policies: Policies): Policies {
  const seen = new Set<string>();
  for (const policy of policies) {
    if (seen.has(policy.name)) throw new Error(`policy name "${policy.name}" is registered twice in policies/registry.ts`);
    seen.add(policy.name);
  }
  return policies;
}

/** Every policy of the do-cost-guard pack. */
export const policies: Policies = assertUniquePolicyNames([
  doResourceRequireTags,
  doResourceTagFormat,
  doUntaggableRequireProject,
  doResourceEstimatedCost,
  doStackMonthlyBudget,
  doResourceStackTag,
]);
