/**
 * The pack's bundle (policies/dist/index.js, not committed) is rebuilt exactly when a file it was
 * built from changed, so `npm run plan` never runs a stale pack and never pays for a needless build.
 */
import { readFileSync, statSync, utimesSync } from "node:fs";
import * as path from "node:path";
import { buildPolicyPack, ensurePolicyPackBuilt, POLICY_PACK_BUNDLE, policyPackIsFresh } from "../../policies/build";

const repoRoot = path.join(__dirname, "../..");

test("a fresh build is fresh; a bundled source newer than the bundle (here the price catalog) makes it stale until rebuilt", async () => {
  await buildPolicyPack();
  expect(policyPackIsFresh()).toBe(true);

  // The catalog is bundled too, so a price change must reach the pack. Ageing the bundle (not the
  // shared sources) to just before the catalog's last change stands in for editing the catalog.
  const catalogChangedAt = statSync(path.join(repoRoot, "core/pricing/prices.json")).mtime;
  const before = new Date(catalogChangedAt.getTime() - 1_000);
  utimesSync(POLICY_PACK_BUNDLE, before, before);
  expect(policyPackIsFresh()).toBe(false);
  await ensurePolicyPackBuilt();
  expect(policyPackIsFresh()).toBe(true);
  expect(statSync(POLICY_PACK_BUNDLE).mtimeMs).toBeGreaterThanOrEqual(catalogChangedAt.getTime());
});

test("the bundle carries the catalog and requires nothing but the Pulumi SDKs", async () => {
  await ensurePolicyPackBuilt();
  const bundle = readFileSync(POLICY_PACK_BUNDLE, "utf8");
  const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));
  expect([...required].every((name) => name === "@pulumi/policy" || name === "@pulumi/pulumi")).toBe(true);
  const prices = JSON.parse(readFileSync(path.join(repoRoot, "core/pricing/prices.json"), "utf8")) as { droplets: { sizes: { slug: string }[] } };
  expect(bundle).toContain(JSON.stringify(prices.droplets.sizes[0].slug));
});
