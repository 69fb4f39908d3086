import { formatProposalDiff, INVOICE_SOURCE_URL, proposeCatalogRows, type CalibratedSlug, type CalibrationDocument } from "../../../core/calibration";
import { createPriceCatalog, defaultCatalog, listSourcedRows } from "../../../core/pricing";

function document(slugs: Partial<CalibratedSlug>[]): CalibrationDocument {
  return {
    version: 1,
    billingMonth: "2026-11",
    slugs: slugs.map((slug) => ({ product: "Droplets", slug: "s-1vcpu-1gb", catalogMonthlyUsd: 6, invoicedMonthlyUsd: 6, driftPct: 0, resources: 1, verdict: "ok", ...slug })),
  };
}

describe("proposeCatalogRows", () => {
  it("leaves ok slugs alone", () => {
    const result = proposeCatalogRows(defaultCatalog.data, document([{}]), "2026-11-29");
    expect(result.proposals).toEqual([]);
    expect(result.catalog).toEqual(defaultCatalog.data);
    expect(formatProposalDiff(result)).toEqual(["no change: every calibrated slug is within tolerance of the catalog"]);
  });

  it("corrects a secondary row and adds an unknown one, each citing the invoice, and the result validates", () => {
    const result = proposeCatalogRows(
      defaultCatalog.data,
      document([
        { slug: "s-2vcpu-4gb", catalogMonthlyUsd: 24, invoicedMonthlyUsd: 28.8, driftPct: 20, resources: 3, verdict: "drift" },
        { slug: "s-2vcpu-8gb", catalogMonthlyUsd: null, invoicedMonthlyUsd: 42, driftPct: null, verdict: "unknown-in-catalog" },
        { product: "Managed Databases", slug: "pg:db-s-9vcpu-99gb", catalogMonthlyUsd: null, invoicedMonthlyUsd: 500, driftPct: null, verdict: "unknown-in-catalog", resources: 2 },
      ]),
      "2026-11-29",
    );
    expect(result.proposals.map((p) => [p.path, p.kind, p.citation, p.applied])).toEqual([
      ["droplets.sizes[s-2vcpu-4gb]", "correct", "invoice 2026-11, 3 resources", true],
      ["droplets.sizes[s-2vcpu-8gb]", "add", "invoice 2026-11, 1 resource", true],
      ["databases.engines.pg.sizes[db-s-9vcpu-99gb]", "add", "invoice 2026-11, 2 resources", true],
    ]);
    const catalog = createPriceCatalog(result.catalog);
    expect(catalog.dropletSize("s-2vcpu-4gb")).toMatchObject({ monthlyUsd: 28.8, hourlyUsd: 0.04286, source: INVOICE_SOURCE_URL, asOf: "2026-11-29", sourceKind: "official" });
    expect(catalog.databaseSize("pg", "db-s-9vcpu-99gb")).toMatchObject({ monthlyUsdPerNode: 500, includedStorageGiB: null });
    // Every row still has a source and a date.
    for (const row of listSourcedRows(result.catalog)) expect(row.source.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The input is not mutated.
    expect(defaultCatalog.dropletSize("s-2vcpu-4gb")?.monthlyUsd).toBe(24);
  });

  it("never silently overwrites a row that cites an official page: a conflict, applied only on request", () => {
    const drift = document([{ product: "App Platform", slug: "apps-s-1vcpu-1gb", catalogMonthlyUsd: 12, invoicedMonthlyUsd: 14.4, driftPct: 20, verdict: "drift" }]);
    expect(defaultCatalog.sectionSource("appPlatformInstanceSizes").sourceKind).toBe("official");
    const kept = proposeCatalogRows(defaultCatalog.data, drift, "2026-11-29");
    expect(kept.proposals).toMatchObject([{ path: "appPlatformInstanceSizes.sizes[apps-s-1vcpu-1gb]", applied: false, officialSource: defaultCatalog.sectionSource("appPlatformInstanceSizes").source }]);
    expect(createPriceCatalog(kept.catalog).appInstanceSize("apps-s-1vcpu-1gb")?.monthlyUsd).toBe(12);
    expect(formatProposalDiff(kept)[0]).toMatch(/^!! appPlatformInstanceSizes\.sizes\[apps-s-1vcpu-1gb\] cites an official page .*--override-official/);
    const overridden = proposeCatalogRows(defaultCatalog.data, drift, "2026-11-29", { overrideOfficial: true });
    expect(createPriceCatalog(overridden.catalog).appInstanceSize("apps-s-1vcpu-1gb")?.monthlyUsd).toBe(14.4);
  });

  it("leaves section prices (load balancer nodes, volume GiB) for a person, saying why", () => {
    const result = proposeCatalogRows(defaultCatalog.data, document([{ product: "Load Balancers", slug: "lb-small", catalogMonthlyUsd: 12, invoicedMonthlyUsd: 14.4, driftPct: 20, verdict: "drift" }]), "2026-11-29");
    expect(result.proposals).toEqual([]);
    expect(result.skipped).toEqual([{ product: "Load Balancers", slug: "lb-small", reason: expect.stringContaining("review it by hand") }]);
  });

  it("rejects a document that is not a version-1 calibration, naming the field", () => {
    expect(() => proposeCatalogRows(defaultCatalog.data, { ...document([]), billingMonth: "Nov" }, "2026-11-29")).toThrow("calibration.billingMonth must be YYYY-MM");
  });
});
