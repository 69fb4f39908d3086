import { createPriceCatalog, defaultCatalog } from "../../../core/pricing";
import rawPrices from "../../../core/pricing/prices.json";

function mutated(change: (raw: any) => void): unknown {
  const raw = JSON.parse(JSON.stringify(rawPrices));
  change(raw);
  return raw;
}

describe("price catalog", () => {
  test("the shipped catalog loads and indexes its slugs", () => {
    expect(defaultCatalog.dropletSize("s-1vcpu-1gb")).toEqual({ slug: "s-1vcpu-1gb", monthlyUsd: 6, hourlyUsd: 0.00893 });
    expect(defaultCatalog.dropletSize("s-99vcpu")).toBeUndefined();
    expect(defaultCatalog.databaseSize("pg", "db-s-1vcpu-1gb")?.monthlyUsdPerNode).toBe(15);
    expect(defaultCatalog.loadBalancerLegacyNodes("lb-large")).toBe(6);
  });

  test("every section names a source URL and an as-of date", () => {
    for (const [name, section] of Object.entries(defaultCatalog.data)) {
      expect([name, section.source]).toEqual([name, expect.stringMatching(/^https:\/\//)]);
      expect([name, section.asOf]).toEqual([name, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
    }
  });

  test("every droplet's monthly price is within a cent per hour of its hourly rate × 672 h", () => {
    // GPU plans are billed by the hour without the 672 h cap, so their monthly is hourly × 744.
    for (const size of defaultCatalog.data.droplets.sizes.filter((s) => !s.slug.startsWith("gpu-"))) {
      expect([size.slug, Math.abs(size.hourlyUsd * 672 - size.monthlyUsd) < 0.01 * 672]).toEqual([size.slug, true]);
    }
  });

  const bad: [string, (raw: any) => void, RegExp][] = [
    ["missing section", (raw) => delete raw.volumes, /prices\.volumes must be an object \(got missing\)/],
    ["source not a URL", (raw) => (raw.snapshots.source = "the docs"), /prices\.snapshots\.source must be a URL \(got "the docs"\)/],
    ["bad asOf", (raw) => (raw.kubernetes.asOf = "27/11/2026"), /prices\.kubernetes\.asOf must be a YYYY-MM-DD date/],
    ["negative price", (raw) => (raw.droplets.sizes[1].monthlyUsd = -6), /prices\.droplets\.sizes\[1\] \(s-1vcpu-1gb\)\.monthlyUsd must be a price >= 0 \(got -6\)/],
    ["price as string", (raw) => (raw.appPlatformInstanceSizes.sizes[0].monthlyUsd = "5.00"), /appPlatformInstanceSizes\.sizes\[0\] \(apps-s-1vcpu-0\.5gb\)\.monthlyUsd .*\(got "5\.00"\)/],
    ["duplicate slug", (raw) => raw.droplets.sizes.push({ ...raw.droplets.sizes[0] }), /s-1vcpu-512mb-10gb\) is listed twice/],
    ["missing slug", (raw) => delete raw.containerRegistry.tiers[2].slug, /prices\.containerRegistry\.tiers\[2\]\.slug must be a non-empty string/],
    ["bad db extra storage", (raw) => (raw.databases.engines.pg.extraStorageUsdPerGiBMonth = "free"), /engines\.pg\.extraStorageUsdPerGiBMonth must be a price/],
    ["scalar price missing", (raw) => delete raw.functions.usdPerGiBSecond, /prices\.functions\.usdPerGiBSecond must be a price >= 0 \(got missing\)/],
  ];
  test.each(bad)("rejects %s, naming the entry", (_name, change, message) => {
    expect(() => createPriceCatalog(mutated(change))).toThrow(message);
  });
});
