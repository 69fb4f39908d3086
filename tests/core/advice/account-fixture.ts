/**
 * A small account with one resource for each advice case and a healthy twin beside it, each
 * differing from its case in the one fact the rule decides on. Shared by the rule tests and
 * (later) the tracker's advise tests over the spec-validated fake.
 */
import type { DropletFact, Inventory, LoadBalancerFact, SizeFact, Utilisation, UtilisationByResource } from "../../../core/advice";

export const NOW = new Date("2026-11-29T12:00:00Z");
export const daysAgo = (days: number): string => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const TAGS = ["env:prod", "service:orders-api", "owner:platform"];
export const FULL_WINDOW: Pick<Utilisation, "coveredHours"> = { coveredHours: 14 * 24 };

const size = (slug: string, vcpus: number, memoryGiB: number, diskGiB: number): SizeFact => ({ slug, vcpus, memoryMiB: memoryGiB * 1024, diskGiB, regions: ["fra1"], available: true });
export const SIZES: SizeFact[] = [size("s-1vcpu-1gb", 1, 1, 25), size("s-1vcpu-2gb", 1, 2, 50), size("s-2vcpu-2gb", 2, 2, 60), size("s-2vcpu-4gb", 2, 4, 80), size("s-4vcpu-8gb", 4, 8, 160)];

const droplet = (id: string, name: string, fields: Partial<DropletFact> = {}): DropletFact => ({
  id, name, status: "active", sizeSlug: "s-2vcpu-4gb", vcpus: 2, memoryMiB: 4096, diskGiB: 80, region: "fra1", tags: TAGS, createdAt: daysAgo(200), volumeIds: [], ...fields,
});

/** A regional load balancer forwarding to busy-api (104); each case changes what it decides on. */
export const loadBalancer = (id: string, name: string, fields: Partial<LoadBalancerFact> = {}): LoadBalancerFact => ({
  id, name, type: "REGIONAL", sizeUnit: null, sizeSlug: null, targetDropletIds: ["104"], targetTag: null, targetLoadBalancerIds: [], createdAt: daysAgo(100), ...fields,
});

export const INVENTORY: Inventory = {
  droplets: [
    droplet("101", "old-batch", { status: "off", offSince: daysAgo(10) }),
    droplet("102", "paused-yesterday", { status: "off", offSince: daysAgo(2) }),
    // Grew from s-1vcpu-1gb with a CPU/RAM-only resize, so its disk is still 25 GiB.
    droplet("103", "idle-api", { sizeSlug: "s-4vcpu-8gb", vcpus: 4, memoryMiB: 8192, diskGiB: 25 }),
    droplet("104", "busy-api", { sizeSlug: "s-4vcpu-8gb", vcpus: 4, memoryMiB: 8192, diskGiB: 160 }),
    droplet("105", "idle-but-new", { sizeSlug: "s-4vcpu-8gb", vcpus: 4, memoryMiB: 8192, diskGiB: 160, createdAt: daysAgo(2) }),
    droplet("106", "no-agent", { sizeSlug: "s-4vcpu-8gb", vcpus: 4, memoryMiB: 8192, diskGiB: 160 }),
    droplet("107", "console-made", { tags: ["env:prod", "service:worker"] }),
    droplet("108", "wrong-env", { tags: ["env:staging", "service:worker", "owner:kitchen"] }),
  ],
  volumes: [
    { id: "vol-old", name: "old-data", sizeGiB: 100, region: "fra1", dropletIds: [], tags: TAGS, createdAt: daysAgo(300), unattachedSince: daysAgo(20) },
    { id: "vol-fresh", name: "just-detached", sizeGiB: 100, region: "fra1", dropletIds: [], tags: TAGS, createdAt: daysAgo(300), unattachedSince: daysAgo(2) },
    { id: "vol-used", name: "orders-data", sizeGiB: 100, region: "fra1", dropletIds: ["104"], tags: TAGS, createdAt: daysAgo(300) },
  ],
  snapshots: [
    { id: "snap-old", name: "nightly-2026-06", sizeGiB: 40, createdAt: daysAgo(150), resourceType: "droplet", resourceId: "104", tags: [] },
    { id: "snap-orphan", name: "before-teardown", sizeGiB: 20, createdAt: daysAgo(10), resourceType: "droplet", resourceId: "999", tags: [] },
    { id: "snap-recent", name: "nightly-2026-11", sizeGiB: 40, createdAt: daysAgo(10), resourceType: "volume", resourceId: "vol-used", tags: [] },
  ],
  reservedIps: [
    { ip: "127.0.0.21", region: "fra1", dropletId: null, unassignedSince: daysAgo(5) },
    { ip: "127.0.0.22", region: "fra1", dropletId: "104" },
    { ip: "127.0.0.23", region: "fra1", dropletId: null, unassignedSince: daysAgo(0) },
  ],
  loadBalancers: [
    loadBalancer("lb-empty", "old-lb", { sizeUnit: 1, targetDropletIds: [] }),
    loadBalancer("lb-quiet", "quiet-lb", { sizeUnit: 2 }),
    loadBalancer("lb-edge", "edge-lb", { sizeSlug: "lb-small" }),
  ],
  databases: [
    { id: "db-reports", name: "reports-db", engine: "pg", sizeSlug: "db-s-4vcpu-8gb", numNodes: 2, tags: TAGS },
    { id: "db-orders", name: "orders-db", engine: "pg", sizeSlug: "db-s-4vcpu-8gb", numNodes: 2, tags: TAGS },
  ],
  nodePools: [],
  sizes: SIZES,
};

export const UTILISATION: UtilisationByResource = {
  droplets: new Map<string, Utilisation>([
    ["103", { cpuP95Pct: 5, memoryP95Pct: 10, ...FULL_WINDOW }],
    ["104", { cpuP95Pct: 55, memoryP95Pct: 70, ...FULL_WINDOW }],
    ["105", { cpuP95Pct: 5, memoryP95Pct: 10, coveredHours: 48 }],
    ["106", { cpuP95Pct: 5, ...FULL_WINDOW }],
  ]),
  loadBalancers: new Map<string, Utilisation>([
    ["lb-quiet", { connectionsMax: 0, ...FULL_WINDOW }],
    ["lb-edge", { connectionsMax: 480, ...FULL_WINDOW }],
  ]),
  databases: new Map<string, Utilisation>([
    ["db-reports", { cpuP95Pct: 8, memoryP95Pct: 20, ...FULL_WINDOW }],
    ["db-orders", { cpuP95Pct: 45, memoryP95Pct: 60, ...FULL_WINDOW }],
  ]),
};
