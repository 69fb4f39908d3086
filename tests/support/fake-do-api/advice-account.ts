/**
 * An account for the savings advisor and the clean-up over the spec-validated fake: one
 * resource for each advice case beside a healthy twin (the same cases as
 * tests/core/advice/account-fixture.ts, as API objects), fourteen days of hourly metrics, and
 * resources marked `expires:` for the clean-up. Built on the restaurant seed for everything
 * else (balance, invoices …).
 */
import type { Droplet, MetricsResponse, Volume } from "../../../functions/src/digitalocean/types";
import { makeDroplet, nyc3, seedRestaurantPlatformAccount, type FakeAccountState } from "./seed";

/** The clock the advice account is written against; advise runs at or after it. */
export const ADVICE_NOW = new Date("2026-11-29T12:00:00Z");
const daysAgo = (days: number): string => new Date(ADVICE_NOW.getTime() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
const TAGS = ["env:prod", "service:orders-api", "owner:platform"];

type Series = MetricsResponse["data"]["result"];
const HOURS = 21 * 24;
const hourly = (value: (hour: number) => number, metric: Record<string, string> = {}): Series[number] => ({
  metric,
  values: Array.from({ length: HOURS + 1 }, (_, i) => [Math.floor(ADVICE_NOW.getTime() / 1000) - (HOURS - i) * 3600, String(value(i))]),
});

/** Cumulative CPU seconds per mode at a steady `busyPct` on `vcpus` cores, hourly. */
function cpuSeries(busyPct: number, vcpus: number): Series {
  const perHour = 3600 * vcpus;
  return [hourly((h) => h * perHour * (1 - busyPct / 100), { mode: "idle" }), hourly((h) => h * perHour * (busyPct / 100), { mode: "user" })];
}

/** Memory gauges at a steady `usedPct` of `memoryMiB`. */
function memorySeries(usedPct: number, memoryMiB: number): { memory_total: Series; memory_available: Series } {
  const total = memoryMiB * 1024 * 1024;
  return { memory_total: [hourly(() => total)], memory_available: [hourly(() => total * (1 - usedPct / 100))] };
}

function droplet(id: number, name: string, sizeSlug: string, fields: Partial<Droplet> = {}): Droplet {
  return { ...makeDroplet({ id, name, sizeSlug, tags: TAGS, createdAt: daysAgo(200) }), ...fields };
}

function volume(id: string, name: string, dropletIds: number[], fields: Partial<Volume> = {}): Volume {
  return { id, droplet_ids: dropletIds, name, description: "", size_gigabytes: 100, created_at: daysAgo(300), tags: TAGS, region: nyc3(), filesystem_type: "ext4", filesystem_label: name, ...fields };
}

export const ADVICE_IDS = {
  offDroplet: 710_000_101,
  idleDroplet: 710_000_103,
  busyDroplet: 710_000_104,
  untaggedDroplet: 710_000_107,
  expiredDroplet: 710_000_201,
  protectedDroplet: 710_000_202,
  noticeDroplet: 710_000_203,
  oldVolume: "6b5f4a3e-0000-4000-8000-00000000a001",
  usedVolume: "6b5f4a3e-0000-4000-8000-00000000a003",
  expiredVolume: "6b5f4a3e-0000-4000-8000-00000000a004",
  quietLb: "4de7ac8b-0000-4000-8000-0000000000b2",
  edgeLb: "4de7ac8b-0000-4000-8000-0000000000b3",
  emptyLb: "4de7ac8b-0000-4000-8000-0000000000b1",
  reportsDb: "9cc10173-0000-4000-8000-0000000000d1",
  ordersDb: "9cc10173-0000-4000-8000-0000000000d2",
} as const;

/**
 * The account. Its `since` facts (droplet off, volume unattached, IP unassigned) need two advise
 * runs a week apart: the API says what is, not since when.
 */
export function seedAdviceAccount(): FakeAccountState {
  const base = seedRestaurantPlatformAccount();
  const ids = ADVICE_IDS;
  const droplets: Droplet[] = [
    droplet(ids.offDroplet, "old-batch", "s-2vcpu-4gb", { status: "off" }),
    // Grew from s-1vcpu-1gb with a CPU/RAM-only resize: its disk is still 25 GiB.
    droplet(ids.idleDroplet, "idle-api", "s-4vcpu-8gb", { disk: 25 }),
    droplet(ids.busyDroplet, "busy-api", "s-4vcpu-8gb"),
    droplet(ids.untaggedDroplet, "console-made", "s-1vcpu-1gb", { tags: ["env:prod", "service:worker"] }),
    droplet(ids.expiredDroplet, "load-test-rig", "s-1vcpu-1gb", { tags: [...TAGS, "expires:2026-11-20"] }),
    droplet(ids.protectedDroplet, "ledger", "s-1vcpu-1gb", { tags: [...TAGS, "expires:2026-11-20", "protected"] }),
    droplet(ids.noticeDroplet, "demo-for-sales", "s-1vcpu-1gb", { tags: [...TAGS, "expires:2026-12-01"] }),
  ];
  return {
    ...base,
    droplets,
    volumes: [
      volume(ids.oldVolume, "old-data", []),
      volume(ids.usedVolume, "orders-data", [ids.busyDroplet]),
      volume(ids.expiredVolume, "migration-scratch", [], { tags: [...TAGS, "expires:2026-11-01"] }),
    ],
    snapshots: [
      { id: "2000001", name: "nightly-2026-06", created_at: daysAgo(150), regions: ["nyc3"], min_disk_size: 160, size_gigabytes: 40, resource_id: String(ids.busyDroplet), resource_type: "droplet", tags: null },
      { id: "2000002", name: "before-teardown", created_at: daysAgo(10), regions: ["nyc3"], min_disk_size: 25, size_gigabytes: 20, resource_id: "710000999", resource_type: "droplet", tags: null },
      { id: "2000003", name: "orders-data-nightly", created_at: daysAgo(10), regions: ["nyc3"], min_disk_size: 100, size_gigabytes: 40, resource_id: ids.usedVolume, resource_type: "volume", tags: null },
    ],
    reservedIps: [
      { ip: "127.0.0.21", region: nyc3(), droplet: null, locked: false },
      { ip: "127.0.0.22", region: nyc3(), droplet: droplets[2], locked: false },
    ],
    loadBalancers: [
      { id: ids.emptyLb, name: "old-lb", size_unit: 1, status: "active", created_at: daysAgo(100), forwarding_rules: [{ entry_protocol: "http", entry_port: 80, target_protocol: "http", target_port: 80 }], region: nyc3(), droplet_ids: [], type: "REGIONAL" },
      { id: ids.quietLb, name: "quiet-lb", size_unit: 2, status: "active", created_at: daysAgo(100), forwarding_rules: [{ entry_protocol: "http", entry_port: 80, target_protocol: "http", target_port: 80 }], region: nyc3(), droplet_ids: [ids.busyDroplet], type: "REGIONAL" },
      { id: ids.edgeLb, name: "edge-lb", size_unit: 1, status: "active", created_at: daysAgo(100), forwarding_rules: [{ entry_protocol: "http", entry_port: 80, target_protocol: "http", target_port: 80 }], region: nyc3(), droplet_ids: [ids.busyDroplet], type: "REGIONAL" },
    ],
    databases: [
      { id: ids.reportsDb, name: "reports-db", engine: "mysql", version: "8", num_nodes: 2, size: "db-s-4vcpu-8gb", region: "nyc3", status: "online", created_at: daysAgo(300), tags: TAGS },
      { id: ids.ordersDb, name: "orders-db", engine: "mysql", version: "8", num_nodes: 2, size: "db-s-4vcpu-8gb", region: "nyc3", status: "online", created_at: daysAgo(300), tags: TAGS },
    ],
    kubernetesClusters: [],
    apps: [],
    resourceMetrics: {
      droplet: {
        [String(ids.idleDroplet)]: { cpu: cpuSeries(5, 4), ...memorySeries(10, 8192), bandwidth: [hourly(() => 0.4, { interface: "public", direction: "outbound" })] },
        [String(ids.busyDroplet)]: { cpu: cpuSeries(55, 4), ...memorySeries(70, 8192), bandwidth: [hourly(() => 30, { interface: "public", direction: "outbound" })] },
      },
      loadBalancer: {
        [ids.quietLb]: { frontend_connections_current: [hourly(() => 0)] },
        [ids.edgeLb]: { frontend_connections_current: [hourly((h) => 200 + (h % 24) * 10)] },
      },
      database: {
        [ids.reportsDb]: { cpu_usage: [hourly(() => 8)], memory_usage: [hourly(() => 20)] },
        [ids.ordersDb]: { cpu_usage: [hourly(() => 45)], memory_usage: [hourly(() => 60)] },
      },
    },
  };
}
