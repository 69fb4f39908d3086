/**
 * The untagged part of `advise --json` and of the table (issue 14, point 14): each resource with
 * the keys it lacks and the values the allow-list refuses, `{"kind","id","name","missingKeys",
 * "disallowed":[{"key","value","allowed"}]}`, and a text that names them, never "(missing allowed
 * values)". Built from what the untagged rule itself writes, through the store's shape.
 */
import { resolveAdviceSettings, type Suggestion } from "../../../core/advice";
import { untagged } from "../../../core/advice/rules/untagged";
import { defaultCatalog as catalog } from "../../../core/pricing";
import type { StoredSuggestion } from "../../../functions/src/store/advice-store";
import { adviceDocument, formatAdvice } from "../../../functions/src/tracker/advice-report";
import { INVENTORY, NOW, UTILISATION } from "../../core/advice/account-fixture";

const settings = resolveAdviceSettings({ requireTags: { requiredKeys: ["env", "service", "owner"], allowedValues: { env: ["prod", "dev"] } } });
const stored = (s: Suggestion): StoredSuggestion => ({ ...s, firstSeenAt: NOW, lastSeenAt: NOW, dismissed: false });

/** name, the droplet's tags, its JSON entry (null: not listed) and the words the table uses for it. */
const CASES: [string, string[], object | null, string | null][] = [
  ["a required key missing", ["env:prod", "service:worker"], { missingKeys: ["owner"], disallowed: [] }, "droplet d (missing owner)"],
  ["  twin: every key present, allowed values", ["env:prod", "service:worker", "owner:kitchen"], null, null],
  ["a value the allow-list refuses", ["env:staging", "service:worker", "owner:kitchen"], { missingKeys: [], disallowed: [{ key: "env", value: "staging", allowed: ["prod", "dev"] }] }, "droplet d (env:staging is not one of prod, dev)"],
  ["  twin: an allowed value of the same key", ["env:dev", "service:worker", "owner:kitchen"], null, null],
  ["both at once", ["env:qa", "service:worker"], { missingKeys: ["owner"], disallowed: [{ key: "env", value: "qa", allowed: ["prod", "dev"] }] }, "droplet d (missing owner; env:qa is not one of prod, dev)"],
];

describe("the untagged report", () => {
  it.each(CASES)("%s", (_name, tags, entry, words) => {
    const droplets = [{ ...INVENTORY.droplets[2]!, id: "1", name: "d", tags }];
    const found = untagged.evaluate({ inventory: { ...INVENTORY, droplets, volumes: [], databases: [], nodePools: [] }, utilisation: UTILISATION, now: NOW, catalog, settings });
    // Through JSON, as the store's jsonb hands evidence back.
    const document = adviceDocument(JSON.parse(JSON.stringify(found.map(stored))).map((s: StoredSuggestion) => ({ ...s, firstSeenAt: NOW, lastSeenAt: NOW })), NOW);
    const text = formatAdvice(document, 0).join("\n");
    if (entry === null) {
      expect(document.untagged).toEqual([]);
      expect(text).not.toContain("Untagged:");
      return;
    }
    expect(document.untagged).toEqual([{ kind: "droplet", id: "1", name: "d", ...entry }]);
    expect(text).toContain(`Untagged: ${words}`);
    expect(text).not.toContain("allowed values)");
  });

  it("reads evidence stored before allowed values were kept, without inventing them", () => {
    const legacy = stored({ id: "untagged:droplet:9", rule: "untagged", resource: { kind: "droplet", id: "9", name: "old" }, action: "tag it", reason: "", monthlySavingsUsd: null, evidence: { missingKeys: [], disallowed: ["env:staging"] } });
    const document = adviceDocument([legacy], NOW);
    expect(document.untagged).toEqual([{ kind: "droplet", id: "9", name: "old", missingKeys: [], disallowed: [{ key: "env", value: "staging", allowed: [] }] }]);
    expect(formatAdvice(document, 0).join("\n")).toContain("Untagged: droplet old (env:staging is not an allowed value)");
  });
});
