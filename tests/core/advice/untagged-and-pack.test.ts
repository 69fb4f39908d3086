/**
 * The runtime untagged report and the pack's do-resource-require-tags agree: the same droplets,
 * under the repository's own pack config (policy-config.json), are flagged by both or by neither.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { resolveAdviceSettings } from "../../../core/advice";
import { untagged, untaggedEntry } from "../../../core/advice/rules/untagged";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { doResourceRequireTags } from "../../../policies/do-resource-require-tags";
import { compliantDroplet, runResourcePolicy } from "../../support/policy-fixtures";
import { INVENTORY, NOW, UTILISATION } from "./account-fixture";

const packConfig = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "..", "policy-config.json"), "utf8"))["do-resource-require-tags"];

/** Tag sets a team might have: compliant, missing keys, disallowed values, empty values, bare tags. */
const TAG_SETS: string[][] = [
  ["env:prod", "service:worker", "owner:kitchen"],
  ["env:prod", "service:worker"],
  ["env:staging", "service:worker", "owner:kitchen"],
  ["env:prod", "service:storefront", "owner:nobody"],
  ["env:", "service:worker", "owner:kitchen"],
  ["prod", "worker", "kitchen"],
  [],
  ["env:prod", "service:edge", "owner:platform", "team:sre"],
];

it("flags exactly the tag sets the pack flags, under policy-config.json's settings", async () => {
  const droplets = TAG_SETS.map((tags, i) => ({ ...INVENTORY.droplets[2], id: String(i), name: `d${i}`, status: "active" as const, tags }));
  const settings = resolveAdviceSettings({ requireTags: { requiredKeys: packConfig.requiredKeys, allowedValues: packConfig.allowedValues } });
  const report = untagged.evaluate({ inventory: { ...INVENTORY, droplets, volumes: [], databases: [], nodePools: [] }, utilisation: UTILISATION, now: NOW, catalog, settings });
  const flaggedAtRuntime = report.map((s) => Number(s.resource.id));
  const flaggedByPack: number[] = [];
  for (const [i, tags] of TAG_SETS.entries()) {
    const violations = await runResourcePolicy(doResourceRequireTags, compliantDroplet(`d${i}`, tags), packConfig);
    if (violations.length > 0) flaggedByPack.push(i);
    // The same problems, named the same way: each key the report lists as missing or refused, the pack's message names too.
    const entry = report.find((s) => s.resource.id === String(i));
    if (!entry) continue;
    const { missingKeys, disallowed } = untaggedEntry(entry);
    for (const key of missingKeys) expect(violations[0]!.message).toMatch(new RegExp(`missing required tag keys? [^.]*\\b${key}\\b`));
    for (const { key, value, allowed } of disallowed) expect(violations[0]!.message).toContain(`has tag "${key}:${value}" but ${key} must be one of ${allowed.join(", ")}`);
  }
  expect(flaggedAtRuntime).toEqual(flaggedByPack);
  // Both directions are exercised: some sets pass, most do not.
  expect(flaggedByPack).toEqual([1, 2, 3, 4, 5, 6]);
});
