import { createPriceCatalog, defaultCatalog, listSourcedRows } from "../../../core/pricing";
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

  test("every section names a source URL, an as-of date and whether the source is official", () => {
    for (const [name, section] of Object.entries(defaultCatalog.data)) {
      expect([name, section.source]).toEqual([name, expect.stringMatching(/^https:\/\//)]);
      expect([name, section.asOf]).toEqual([name, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
      expect([name, section.sourceKind]).toEqual([name, expect.stringMatching(/^(official|secondary)$/)]);
    }
  });

  test("no row lacks a source, an as-of date or a source kind (its own, or its section's)", () => {
    const rows = listSourcedRows(defaultCatalog.data);
    // Every slug of every list is covered, not just the sections.
    const slugRows = rows.filter((row) => row.path.includes("["));
    expect(slugRows.length).toBe(
      defaultCatalog.data.droplets.sizes.length +
        defaultCatalog.data.appPlatformInstanceSizes.sizes.length +
        defaultCatalog.data.containerRegistry.tiers.length +
        defaultCatalog.data.loadBalancers.types.length +
        defaultCatalog.data.loadBalancers.legacySizeNodes.length +
        defaultCatalog.data.retiredDropletSizes.sizes.length +
        Object.values(defaultCatalog.data.databases.engines).reduce((n, engine) => n + engine.sizes.length, 0),
    );
    for (const { path, source } of rows) {
      expect([path, source.source]).toEqual([path, expect.stringMatching(/^https:\/\//)]);
      expect([path, source.asOf]).toEqual([path, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
      expect([path, source.sourceKind]).toEqual([path, expect.stringMatching(/^(official|secondary)$/)]);
    }
  });

  test("rows resting on another page than their section's say so", () => {
    const bySlug = new Map(listSourcedRows(defaultCatalog.data).map((row) => [row.path, row.source]));
    expect(bySlug.get("droplets.sizes[s-1vcpu-1gb]")?.sourceKind).toBe("secondary");
    expect(bySlug.get("droplets.sizes[gpu-h100x1-80gb]")).toMatchObject({ source: "https://docs.digitalocean.com/products/droplets/details/pricing/", sourceKind: "official" });
    expect(bySlug.get("databases.engines.pg.sizes[db-s-1vcpu-1gb]")?.sourceKind).toBe("official");
    expect(bySlug.get("databases.engines.pg.sizes[db-s-8vcpu-32gb]")?.sourceKind).toBe("secondary");
    expect(bySlug.get("databases.engines.kafka.sizes[db-s-2vcpu-2gb]")).toMatchObject({ source: "https://docs.digitalocean.com/products/databases/kafka/details/pricing/", sourceKind: "official" });
  });

  test("unpublished figures are null, never 0", () => {
    for (const [engine, prices] of Object.entries(defaultCatalog.data.databases.engines)) {
      for (const size of prices.sizes) expect([engine, size.slug, size.includedStorageGiB]).not.toEqual([engine, size.slug, 0]);
    }
    expect(defaultCatalog.databaseSize("kafka", "db-s-2vcpu-2gb")?.includedStorageGiB).toBeNull();
    expect(defaultCatalog.databaseEngine("mongodb")?.extraStorageUsdPerGiBMonth).toBeNull();
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
    ["section without a source kind", (raw) => delete raw.volumes.sourceKind, /prices\.volumes\.sourceKind must be one of official, secondary \(got missing\)/],
    ["unknown source kind", (raw) => (raw.spaces.sourceKind = "blog"), /prices\.spaces\.sourceKind must be one of official, secondary \(got "blog"\)/],
    ["load balancer type billed per nothing", (raw) => (raw.loadBalancers.types[0].per = "month"), /prices\.loadBalancers\.types\[0\] \(REGIONAL\)\.per must be "node" or "loadBalancer" \(got "month"\)/],
    ["load balancer type price written as a word", (raw) => (raw.loadBalancers.types[2].monthlyUsd = "unknown"), /prices\.loadBalancers\.types\[2\] \(GLOBAL\)\.monthlyUsd must be a price >= 0 \(got "unknown"\)/],
    ["retired size without a reason", (raw) => delete raw.retiredDropletSizes.sizes[0].reason, /prices\.retiredDropletSizes\.sizes\[0\] \(512mb\)\.reason must be a non-empty string \(got missing\)/],
    ["row source without its date", (raw) => delete raw.droplets.sizes.find((s: { slug: string }) => s.slug === "gpu-h100x1-80gb").asOf, /droplets\.sizes\[\d+\] \(gpu-h100x1-80gb\)\.asOf must be a non-empty string \(got missing\)/],
    ["engine source kind wrong", (raw) => (raw.databases.engines.kafka.sourceKind = "official-ish"), /prices\.databases\.engines\.kafka\.sourceKind must be one of/],
    ["included storage 0 written as a string", (raw) => (raw.databases.engines.valkey.sizes[0].includedStorageGiB = "none"), /engines\.valkey\.sizes\[0\] \(db-s-1vcpu-1gb\)\.includedStorageGiB must be a price >= 0/],
    ["node roles without engines", (raw) => (raw.databaseNodeRoles.standbyEngines = "pg"), /prices\.databaseNodeRoles\.standbyEngines must be an array/],
  ];
  test.each(bad)("rejects %s, naming the entry", (_name, change, message) => {
    expect(() => createPriceCatalog(mutated(change))).toThrow(message);
  });
});
