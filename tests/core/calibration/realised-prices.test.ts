import { calibrate, calibrationVerdict, monthFractionBilled, type InventoryResource, type InvoiceLine } from "../../../core/calibration";
import { createPriceCatalog, defaultCatalog } from "../../../core/pricing";

const DROPLET = "digitalocean:index/droplet:Droplet";
const DATABASE = "digitalocean:index/databaseCluster:DatabaseCluster";

function droplet(id: number, size: string): InventoryResource {
  return { product: "Droplets", keys: [String(id)], slug: size, units: 1, type: DROPLET, inputs: { size }, dropletSize: size };
}

function item(fields: Partial<InvoiceLine> & { amount: string; duration: string }): InvoiceLine {
  return { product: "Droplets", description: "a droplet", duration_unit: "Hours", start_time: "2026-11-01T00:00:00Z", end_time: "2026-12-01T00:00:00Z", ...fields };
}

describe("monthFractionBilled (the estimator's cap rule, reused)", () => {
  it.each([
    [336, 0.5],
    [672, 1],
    [720, 1],
    [0, 0],
  ])("%d hours of a CPU droplet are %d of its month", (hours, fraction) => {
    expect(monthFractionBilled(hours, defaultCatalog, "s-1vcpu-1gb")).toBeCloseTo(fraction, 10);
  });

  it("GPU droplets have no cap: 744 hours are a full month and 372 half", () => {
    const gpu = defaultCatalog.data.droplets.sizes.find((size) => defaultCatalog.isGpuDroplet(size.slug));
    expect(gpu).toBeDefined();
    expect(monthFractionBilled(744, defaultCatalog, gpu!.slug)).toBeCloseTo(1, 10);
    expect(monthFractionBilled(372, defaultCatalog, gpu!.slug)).toBeCloseTo(0.5, 10);
  });
});

describe("calibrationVerdict: ok within ±1% or $0.05", () => {
  it.each([
    [12, 12, "ok"],
    [12, 12.12, "ok"],
    [12, 12.13, "drift"],
    [4, 4.05, "ok"],
    [4, 3.94, "drift"],
    [100, 101, "ok"],
    [100, 101.01, "drift"],
    [100, 98.99, "drift"],
    [null, 14.4, "unknown-in-catalog"],
  ] as const)("catalog %p, invoiced %p → %s", (catalog, invoiced, verdict) => {
    expect(calibrationVerdict(catalog, invoiced)).toBe(verdict);
  });
});

describe("calibrate", () => {
  it("normalises partial months by the cap, groups by product + slug and compares with the catalog", () => {
    const inventory = [droplet(1, "s-1vcpu-1gb"), droplet(2, "s-1vcpu-1gb"), droplet(3, "s-2vcpu-4gb")];
    const items = [
      item({ resource_id: "1", amount: "6.00", duration: "700" }), // capped: a full month at $6
      item({ resource_id: "2", amount: "3.00", duration: "336" }), // half a month at $6
      item({ resource_id: "3", amount: "14.40", duration: "336" }), // half a month at $28.80, catalog $24
    ];
    const report = calibrate(items, inventory, defaultCatalog);
    expect(report.slugs.map(({ slug, catalogMonthlyUsd, invoicedMonthlyUsd, driftPct, resources, verdict }) => ({ slug, catalogMonthlyUsd, invoicedMonthlyUsd, driftPct, resources, verdict }))).toEqual([
      { slug: "s-1vcpu-1gb", catalogMonthlyUsd: 6, invoicedMonthlyUsd: 6, driftPct: 0, resources: 2, verdict: "ok" },
      { slug: "s-2vcpu-4gb", catalogMonthlyUsd: 24, invoicedMonthlyUsd: 28.8, driftPct: 20, resources: 1, verdict: "drift" },
    ]);
    expect(report.slugs[1]!.invoicedHourlyUsd).toBeCloseTo(28.8 / 672, 5);
  });

  it("prices database slugs per node, so a 2-node cluster compares with one node's price", () => {
    const db: InventoryResource = { product: "Managed Databases", keys: ["uuid-db"], slug: "pg:db-s-2vcpu-4gb", units: 2, type: DATABASE, inputs: { engine: "pg", size: "db-s-2vcpu-4gb", nodeCount: 2 } };
    const report = calibrate([item({ product: "Managed Databases", resource_uuid: "uuid-db", amount: "132.00", duration: "672" })], [db], defaultCatalog);
    expect(report.slugs[0]).toMatchObject({ slug: "pg:db-s-2vcpu-4gb", catalogMonthlyUsd: 60, invoicedMonthlyUsd: 66, driftPct: 10, units: 2, verdict: "drift" });
  });

  it("marks a slug the catalog cannot price unknown-in-catalog, never 0", () => {
    const report = calibrate([item({ resource_id: "9", amount: "10.00", duration: "672" })], [droplet(9, "s-99vcpu-unknown")], defaultCatalog);
    expect(report.slugs[0]).toMatchObject({ catalogMonthlyUsd: null, invoicedMonthlyUsd: 10, driftPct: null, verdict: "unknown-in-catalog" });
  });

  it("ignores backups, snapshots, transfer and non-hourly lines, and counts items of deleted resources apart", () => {
    const items = [
      item({ resource_id: "1", amount: "6.00", duration: "672" }),
      item({ resource_id: "1", amount: "1.20", duration: "672", description: "Backups for web-1" }),
      item({ resource_id: "1", amount: "0.80", duration: "80", duration_unit: "GiB", description: "Bandwidth overage" }),
      item({ resource_id: "77", amount: "6.00", duration: "672" }),
    ];
    const report = calibrate(items, [droplet(1, "s-1vcpu-1gb")], defaultCatalog);
    expect(report.slugs).toHaveLength(1);
    expect(report.slugs[0]).toMatchObject({ invoicedMonthlyUsd: 6, verdict: "ok" });
    expect(report.unmatchedItems).toBe(1);
  });

  it("leaves out a resized droplet's items for its old size (the description names the size billed)", () => {
    const items = [
      item({ resource_id: "3", amount: "12.00", duration: "336", description: "web-3 (s-2vcpu-4gb)" }),
      item({ resource_id: "3", amount: "3.00", duration: "336", description: "web-3 (s-1vcpu-1gb)" }),
    ];
    expect(calibrate(items, [droplet(3, "s-2vcpu-4gb")], defaultCatalog).slugs[0]).toMatchObject({ slug: "s-2vcpu-4gb", invoicedMonthlyUsd: 24, verdict: "ok" });
  });

  it("uses the catalog it is given (a corrected copy turns the drift into ok)", () => {
    const data = JSON.parse(JSON.stringify(defaultCatalog.data));
    data.droplets.sizes.find((size: { slug: string }) => size.slug === "s-2vcpu-4gb").monthlyUsd = 28.8;
    const report = calibrate([item({ resource_id: "3", amount: "28.80", duration: "672" })], [droplet(3, "s-2vcpu-4gb")], createPriceCatalog(data));
    expect(report.slugs[0]).toMatchObject({ catalogMonthlyUsd: 28.8, verdict: "ok" });
  });

  it("names the bad item when an amount is not a number", () => {
    expect(() => calibrate([item({ resource_id: "1", amount: "six", duration: "672" })], [droplet(1, "s-1vcpu-1gb")], defaultCatalog)).toThrow("invoice_items[0].amount");
  });
});
