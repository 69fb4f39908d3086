/**
 * Every size and type a program can name has a price or says why not: the walk covers
 * `@pulumi/digitalocean`'s own `DropletSlug` enum (so a provider upgrade that adds a slug fails
 * here until the catalog prices it or marks it retired) and the API's load balancer `type` enum.
 */
import { DropletSlug } from "@pulumi/digitalocean/types/enums";
import { createPriceCatalog, defaultCatalog, estimateResource, listSourcedRows } from "../../../core/pricing";
import rawPrices from "../../../core/pricing/prices.json";
import { enumAt } from "../../support/openapi";

const LB = "digitalocean:index/loadBalancer:LoadBalancer";
const DROPLET = "digitalocean:index/droplet:Droplet";
const sources = new Map(listSourcedRows(defaultCatalog.data).map((row) => [row.path, row.source]));

describe("@pulumi/digitalocean DropletSlug", () => {
  const slugs = [...new Set(Object.values(DropletSlug))].sort();

  it("is walked in full", () => {
    // 167 enum members, 160 distinct slugs in @pulumi/digitalocean 4.80.1: a guard that the walk reads the enum.
    expect(slugs.length).toBeGreaterThanOrEqual(160);
  });

  it.each(slugs)("%s has a priced row with a cited source, or a retired entry with its reason", (slug) => {
    const priced = defaultCatalog.dropletSize(slug);
    const retired = defaultCatalog.retiredDropletSize(slug);
    expect({ slug, pricedOrRetired: priced !== undefined || retired !== undefined }).toEqual({ slug, pricedOrRetired: true });
    const source = sources.get(priced ? `droplets.sizes[${slug}]` : `retiredDropletSizes.sizes[${slug}]`);
    expect(source).toMatchObject({ source: expect.stringMatching(/^https:\/\//), asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    if (retired) expect(retired.reason.length).toBeGreaterThan(20);
  });

  it("prices a retired size as unknown with its reason, never as 0", () => {
    const estimate = estimateResource(DROPLET, { size: "s-3vcpu-1gb" });
    expect(estimate.monthlyUsd).toBeNull();
    expect(estimate.unknowns).toEqual([expect.stringMatching(/^retired droplet size slug 's-3vcpu-1gb': .*no current price is published/)]);
    // Its healthy twin: a size the API still lists is priced.
    expect(estimateResource(DROPLET, { size: "s-1vcpu-1gb" }).monthlyUsd).toBe(6);
  });

  it("lets a priced row (e.g. one an invoice calibration adds) win over a retired entry", () => {
    const raw = JSON.parse(JSON.stringify(rawPrices));
    raw.droplets.sizes.push({ slug: "s-3vcpu-1gb", monthlyUsd: 15, hourlyUsd: 0.02232 });
    const catalog = createPriceCatalog(raw);
    expect(catalog.retiredDropletSize("s-3vcpu-1gb")).toBeUndefined();
    expect(estimateResource(DROPLET, { size: "s-3vcpu-1gb" }, catalog).monthlyUsd).toBe(15);
  });
});

describe("load balancer types of the API (load_balancer_base.type)", () => {
  const types = enumAt("#/components/schemas/load_balancer_base/properties/type").map(String);

  it.each(types)("%s has its own catalog row with a cited source", (type) => {
    expect(defaultCatalog.loadBalancerType(type)).toBeDefined();
    expect(sources.get(`loadBalancers.types[${type}]`)).toMatchObject({ source: expect.stringMatching(/^https:\/\//), asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  // type, inputs, expected: per node at its size for regional types, per load balancer for GLOBAL.
  const cases: [string, Record<string, unknown>, number][] = [
    ["REGIONAL, 3 nodes", { type: "REGIONAL", sizeUnit: 3 }, 3 * 12],
    ["REGIONAL, legacy lb-large = 6 nodes", { type: "REGIONAL", size: "lb-large" }, 6 * 12],
    ["REGIONAL_NETWORK, 2 nodes", { type: "REGIONAL_NETWORK", sizeUnit: 2 }, 2 * 15],
    ["GLOBAL: one price whatever the size", { type: "GLOBAL", sizeUnit: 4 }, 15],
  ];
  it.each(cases)("%s", (_name, inputs, expected) => {
    const estimate = estimateResource(LB, inputs);
    expect(estimate.unknowns).toEqual([]);
    expect(estimate.monthlyUsd).toBe(expected);
  });

  it("prices a type whose row has no published price as unknown, with the row's note", () => {
    const raw = JSON.parse(JSON.stringify(rawPrices));
    raw.loadBalancers.types.push({ slug: "GLOBAL_NETWORK", per: "loadBalancer", monthlyUsd: null, note: "not on the pricing page yet" });
    const estimate = estimateResource(LB, { type: "GLOBAL_NETWORK" }, createPriceCatalog(raw));
    expect(estimate.monthlyUsd).toBeNull();
    expect(estimate.unknowns).toEqual(["no published price for load balancer type 'GLOBAL_NETWORK': not on the pricing page yet"]);
  });
});
