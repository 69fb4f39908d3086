import { costPartOf, projectAndStackOfUrn, reconcileStack, stackTag, type PlannedCost, type TaggedResource } from "../../../core/calibration";
import { isTaggableType } from "../../../core/tags";

const DROPLET = "digitalocean:index/droplet:Droplet";
const APP = "digitalocean:index/app:App";
const TAG = "stack:shop-prod";

describe("stackTag and projectAndStackOfUrn", () => {
  it.each([
    ["shop", "prod", "stack:shop-prod"],
    ["restaurant-platform", "prod", "stack:restaurant-platform-prod"],
    ["my.project", "dev/eu", "stack:my-project-dev-eu"],
  ])("%s / %s → %s (only characters DigitalOcean accepts in tags)", (project, stack, tag) => {
    expect(stackTag(project, stack)).toBe(tag);
  });

  it("reads project and stack from a Pulumi URN", () => {
    expect(projectAndStackOfUrn("urn:pulumi:prod::shop::digitalocean:index/droplet:Droplet::web")).toEqual({ project: "shop", stack: "prod" });
    expect(projectAndStackOfUrn("not-a-urn")).toBeUndefined();
  });

  it("refuses an empty project, naming both values", () => {
    expect(() => stackTag("", "prod")).toThrow('stackTag: project and stack must be non-empty (got "", "prod")');
  });
});

describe("costPartOf", () => {
  it.each([
    ["Backups (weekly, 20% of the Droplet)", "backups"],
    ["Droplets Backups: web-1", "backups"],
    ["Snapshot storage", "snapshots"],
    ["Bandwidth overage (320 GiB)", "bandwidth"],
    ["Outbound transfer beyond the team's pooled allowance", "bandwidth"],
    ["Block storage", "storage"],
    ["Volumes data (100 GiB)", "storage"],
    ["Droplet s-1vcpu-2gb", "base"],
  ])("%s → %s", (text, part) => {
    expect(costPartOf(text)).toBe(part);
  });
});

describe("reconcileStack", () => {
  const planned: PlannedCost[] = [
    { urn: "urn:pulumi:prod::shop::droplet::web", type: DROPLET, name: "web", inputs: { size: "s-1vcpu-2gb" }, monthlyUsd: 14.4, components: [{ name: "Droplet s-1vcpu-2gb", monthlyUsd: 12 }, { name: "Backups (weekly)", monthlyUsd: 2.4 }, { name: "Outbound transfer", monthlyUsd: null }] },
    { urn: "urn:pulumi:prod::shop::droplet::db-proxy", type: DROPLET, name: "db-proxy", inputs: { name: "proxy-fixed" }, monthlyUsd: 6, components: [{ name: "Droplet s-1vcpu-1gb", monthlyUsd: 6 }] },
    { urn: "urn:pulumi:prod::shop::droplet::missing", type: DROPLET, name: "missing", inputs: {}, monthlyUsd: 6, components: [{ name: "Droplet s-1vcpu-1gb", monthlyUsd: 6 }] },
    { urn: "urn:pulumi:prod::shop::app::site", type: APP, name: "site", inputs: {}, monthlyUsd: 12, components: [{ name: "service web 1 × apps-s-1vcpu-1gb", monthlyUsd: 12 }] },
  ];
  const listed: TaggedResource[] = [
    { type: DROPLET, name: "web-1a2b3c4", tags: ["env:prod", TAG], keys: ["101"] },
    { type: DROPLET, name: "proxy-fixed", tags: [TAG], keys: ["102"] },
    // The same auto-name pattern but not tagged for this stack: not attributed.
    { type: DROPLET, name: "missing-aaaaaaa", tags: ["stack:shop-staging"], keys: ["103"] },
    { type: DROPLET, name: "hand-made", tags: [TAG], keys: ["104"] },
  ];
  const lines = [
    { resourceKey: "101", product: "Droplets", description: "web (s-1vcpu-2gb)", amountUsd: 12 },
    { resourceKey: "101", product: "Droplets", description: "Backups: web", amountUsd: 2.4 },
    { resourceKey: "101", product: "Bandwidth", description: "Bandwidth overage", amountUsd: 1.5 },
    { resourceKey: "102", product: "Droplets", description: "proxy-fixed (s-1vcpu-1gb)", amountUsd: 3 },
    { resourceKey: "103", product: "Droplets", description: "missing", amountUsd: 6 },
    { resourceKey: "104", product: "Droplets", description: "hand-made", amountUsd: 4 },
  ];
  const result = reconcileStack({ tag: TAG, billingMonth: "2026-10", planned, listed, lines, isTaggable: isTaggableType });

  it("matches by tag and by Pulumi's auto-name (or the explicit name) and explains each part that differs", () => {
    const web = result.resources.find((r) => r.name === "web")!;
    expect(web).toMatchObject({ status: "billed", resourceKeys: ["101"], estimatedUsd: 14.4, billedUsd: 15.9, differenceUsd: 1.5 });
    expect(web.explanations).toEqual(["bandwidth overage: billed $1.50, estimated as usage (unknown before deploy)"]);
    const proxy = result.resources.find((r) => r.name === "db-proxy")!;
    expect(proxy).toMatchObject({ status: "billed", billedUsd: 3, differenceUsd: -3 });
    expect(proxy.explanations).toEqual(["base: billed $3.00, estimated $6.00 (−$3.00)"]);
  });

  it("says why a resource has no bill: not tagged for the stack, or a type that cannot carry tags", () => {
    expect(result.resources.find((r) => r.name === "missing")).toMatchObject({ status: "not-found", billedUsd: 0, explanations: [] });
    expect(result.resources.find((r) => r.name === "site")).toMatchObject({ status: "untaggable" });
  });

  it("totals only what could be matched, and counts tagged spend the plan lacks apart", () => {
    expect(result).toMatchObject({ estimatedUsd: 20.4, billedUsd: 18.9, differenceUsd: -1.5, unplannedBilledUsd: 4 });
  });
});
