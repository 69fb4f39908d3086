import { createPriceCatalog, defaultCatalog, estimateResource, estimateStack } from "../../../core/pricing";
import rawPrices from "../../../core/pricing/prices.json";

const T = {
  droplet: "digitalocean:index/droplet:Droplet",
  volume: "digitalocean:index/volume:Volume",
  volumeSnapshot: "digitalocean:index/volumeSnapshot:VolumeSnapshot",
  dropletSnapshot: "digitalocean:index/dropletSnapshot:DropletSnapshot",
  database: "digitalocean:index/databaseCluster:DatabaseCluster",
  replica: "digitalocean:index/databaseReplica:DatabaseReplica",
  k8s: "digitalocean:index/kubernetesCluster:KubernetesCluster",
  nodePool: "digitalocean:index/kubernetesNodePool:KubernetesNodePool",
  lb: "digitalocean:index/loadBalancer:LoadBalancer",
  app: "digitalocean:index/app:App",
  bucket: "digitalocean:index/spacesBucket:SpacesBucket",
  reservedIp: "digitalocean:index/reservedIp:ReservedIp",
  registry: "digitalocean:index/containerRegistry:ContainerRegistry",
  cdn: "digitalocean:index/cdn:Cdn",
};

// Prices read from the catalog so the rows check arithmetic, not a copy of prices.json.
const droplet = (slug: string): number => defaultCatalog.dropletSize(slug)!.monthlyUsd;
const app = (slug: string): number => defaultCatalog.appInstanceSize(slug)!.monthlyUsd;
const pgNode = (slug: string): number => defaultCatalog.databaseSize("pg", slug)!.monthlyUsdPerNode;
const p = defaultCatalog.data;

describe("estimateResource — priced kinds and rules", () => {
  const rows: [string, string, Record<string, unknown>, number][] = [
    ["droplet s-1vcpu-1gb", T.droplet, { size: "s-1vcpu-1gb" }, droplet("s-1vcpu-1gb")],
    ["droplet + weekly backups = 1.2 × price", T.droplet, { size: "s-2vcpu-4gb", backups: true }, droplet("s-2vcpu-4gb") * (1 + p.dropletBackups.weeklyFractionOfDroplet)],
    ["droplet + daily backups = 1.3 × price", T.droplet, { size: "s-2vcpu-4gb", backups: true, backupPolicy: { plan: "daily" } }, droplet("s-2vcpu-4gb") * (1 + p.dropletBackups.dailyFractionOfDroplet)],
    ["backups: false adds nothing", T.droplet, { size: "c-2", backups: false }, droplet("c-2")],
    ["volume 100 GiB × $/GiB", T.volume, { size: 100, region: "nyc3" }, 100 * p.volumes.usdPerGiBMonth],
    ["snapshot with known size 40 GiB", T.volumeSnapshot, { volumeId: "v", size: 40 }, 40 * p.snapshots.usdPerGiBMonth],
    ["2 × db-s-2vcpu-4gb pg", T.database, { engine: "pg", size: "db-s-2vcpu-4gb", nodeCount: 2 }, 2 * pgNode("db-s-2vcpu-4gb")],
    ["3 × db-s-1vcpu-1gb mysql", T.database, { engine: "mysql", size: "db-s-1vcpu-1gb", nodeCount: 3 }, 3 * defaultCatalog.databaseSize("mysql", "db-s-1vcpu-1gb")!.monthlyUsdPerNode],
    ["pg storage within the included GiB", T.database, { engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 1, storageSizeMib: "10240" }, pgNode("db-s-1vcpu-1gb")],
    ["read-only replica db-s-1vcpu-2gb", T.replica, { clusterId: "c", size: "db-s-1vcpu-2gb" }, pgNode("db-s-1vcpu-2gb")],
    ["k8s 3 × s-2vcpu-4gb, free control plane", T.k8s, { nodePool: { size: "s-2vcpu-4gb", nodeCount: 3 } }, 3 * droplet("s-2vcpu-4gb")],
    ["k8s HA + 2 × s-1vcpu-2gb", T.k8s, { ha: true, nodePool: { size: "s-1vcpu-2gb", nodeCount: 2 } }, p.kubernetes.haControlPlaneMonthlyUsd + 2 * droplet("s-1vcpu-2gb")],
    ["node pool 4 × s-4vcpu-8gb", T.nodePool, { clusterId: "k", size: "s-4vcpu-8gb", nodeCount: 4 }, 4 * droplet("s-4vcpu-8gb")],
    ["lb sizeUnit 3 × per-node", T.lb, { sizeUnit: 3 }, 3 * p.loadBalancers.regionalNodeMonthlyUsd],
    ["lb legacy lb-medium = 3 nodes", T.lb, { size: "lb-medium" }, 3 * p.loadBalancers.regionalNodeMonthlyUsd],
    ["lb with no size = 1 node", T.lb, {}, 1 * p.loadBalancers.regionalNodeMonthlyUsd],
    [
      "app: 2 × apps-s-1vcpu-1gb service + worker on the default size",
      T.app,
      { spec: { name: "a", services: [{ name: "web", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2 }], workers: [{ name: "w" }] } },
      2 * app("apps-s-1vcpu-1gb") + 1 * app("apps-s-1vcpu-0.5gb"),
    ],
    ["app: 5 static sites, 3 free", T.app, { spec: { name: "s", staticSites: [{}, {}, {}, {}, {}] } }, (5 - 3) * p.appPlatformStaticSites.monthlyUsdPerSite],
    ["app: a job is usage-based, the service is priced", T.app, { spec: { name: "j", services: [{ name: "web" }], jobs: [{ name: "migrate" }] } }, app("apps-s-1vcpu-0.5gb")],
    ["spaces bucket = subscription", T.bucket, { region: "nyc3" }, p.spaces.subscriptionMonthlyUsd],
    ["reserved IP assigned = 0", T.reservedIp, { region: "nyc3", dropletId: 123 }, p.reservedIps.assignedMonthlyUsd],
    ["reserved IP unassigned = charged", T.reservedIp, { region: "nyc3" }, p.reservedIps.unassignedMonthlyUsd],
    ["registry basic tier", T.registry, { subscriptionTierSlug: "basic" }, defaultCatalog.registryTier("basic")!.monthlyUsd],
  ];

  test.each(rows)("%s", (_name, type, inputs, expected) => {
    const estimate = estimateResource(type, inputs);
    expect(estimate.unknowns).toEqual([]);
    expect(estimate.free).toBe(false);
    expect(estimate.monthlyUsd).toBeCloseTo(expected, 2);
    for (const component of estimate.components) {
      if (component.monthlyUsd !== null) expect(Math.round(component.monthlyUsd * 100)).toBeCloseTo(component.monthlyUsd * 100, 6);
    }
  });

  test("autoscaling k8s pool: monthly at minNodes, maxMonthlyUsd at maxNodes", () => {
    const estimate = estimateResource(T.k8s, { nodePool: { size: "s-2vcpu-4gb", autoScale: true, minNodes: 2, maxNodes: 5 } });
    expect(estimate.monthlyUsd).toBeCloseTo(2 * droplet("s-2vcpu-4gb"), 2);
    expect(estimate.maxMonthlyUsd).toBeCloseTo(5 * droplet("s-2vcpu-4gb"), 2);
  });

  test("autoscaling app service: monthly at min instances, max at maxInstanceCount", () => {
    const estimate = estimateResource(T.app, {
      spec: { name: "a", services: [{ name: "web", instanceSizeSlug: "apps-s-1vcpu-2gb", autoscaling: { minInstanceCount: 2, maxInstanceCount: 6 } }] },
    });
    expect(estimate.monthlyUsd).toBeCloseTo(2 * app("apps-s-1vcpu-2gb"), 2);
    expect(estimate.maxMonthlyUsd).toBeCloseTo(6 * app("apps-s-1vcpu-2gb"), 2);
  });

  test("no autoscaling → no maxMonthlyUsd", () => {
    expect(estimateResource(T.droplet, { size: "s-1vcpu-1gb" }).maxMonthlyUsd).toBeUndefined();
  });

  test("sizeSlugs lists every size slug used", () => {
    const estimate = estimateResource(T.app, {
      spec: { name: "a", services: [{ instanceSizeSlug: "apps-s-1vcpu-1gb" }, { instanceSizeSlug: "apps-s-1vcpu-1gb" }], workers: [{}], jobs: [{ instanceSizeSlug: "apps-s-1vcpu-2gb" }] },
    });
    expect(estimate.sizeSlugs).toEqual(["apps-s-1vcpu-1gb", "apps-s-1vcpu-0.5gb", "apps-s-1vcpu-2gb"]);
    expect(estimateResource(T.database, { engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 1 }).sizeSlugs).toEqual(["db-s-1vcpu-1gb"]);
    expect(estimateResource(T.lb, { size: "lb-small" }).sizeSlugs).toEqual(["lb-small"]);
  });
});

describe("estimateResource — unknown is null, never 0", () => {
  const rows: [string, string, Record<string, unknown>, RegExp][] = [
    ["unknown droplet slug", T.droplet, { size: "s-99vcpu-1tb" }, /unknown droplet size slug 's-99vcpu-1tb'/],
    ["droplet size computed at preview", T.droplet, {}, /size is not known/],
    ["unknown database slug", T.database, { engine: "pg", size: "db-s-64vcpu", nodeCount: 1 }, /unknown database size slug 'db-s-64vcpu' for engine 'pg'/],
    ["engine without confirmed prices", T.database, { engine: "kafka", size: "db-s-2vcpu-4gb", nodeCount: 3 }, /no confirmed prices for database engine 'kafka'/],
    ["extra db storage without a confirmed rate", T.database, { engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 1, storageSizeMib: "30720" }, /20 GiB of pg storage beyond the 10 GiB/],
    ["unknown k8s pool slug", T.k8s, { nodePool: { size: "x-1", nodeCount: 1 } }, /unknown droplet size slug 'x-1'/],
    ["unknown legacy lb slug", T.lb, { size: "lb-huge" }, /unknown load balancer size slug 'lb-huge'/],
    ["global lb unpriced", T.lb, { type: "GLOBAL" }, /load balancer type 'GLOBAL'/],
    ["unknown app instance size", T.app, { spec: { name: "a", services: [{ instanceSizeSlug: "apps-d-9vcpu" }] } }, /'apps-d-9vcpu'/],
    ["unknown registry tier", T.registry, { subscriptionTierSlug: "enterprise" }, /'enterprise'/],
    ["type without a price model", "digitalocean:index/uptimeCheck:UptimeCheck", {}, /no price model for digitalocean:index\/uptimeCheck:UptimeCheck/],
  ];

  test.each(rows)("%s", (_name, type, inputs, reason) => {
    const estimate = estimateResource(type, inputs);
    expect(estimate.monthlyUsd).toBeNull();
    expect(estimate.free).toBe(false);
    expect(estimate.unknowns.join("; ")).toMatch(reason);
  });

  const usageRows: [string, string, Record<string, unknown>, RegExp][] = [
    ["snapshot of unknown size", T.dropletSnapshot, { dropletId: "1" }, /depends on usage: \$0\.06\/GiB-month/],
    ["CDN transfer", T.cdn, { origin: "b.nyc3.digitaloceanspaces.com" }, /depends on usage: \$0\.01\/GiB/],
  ];
  test.each(usageRows)("usage-based: %s → null with a note", (_name, type, inputs, note) => {
    const estimate = estimateResource(type, inputs);
    expect(estimate.monthlyUsd).toBeNull();
    expect(estimate.unknowns).toEqual([]);
    expect(estimate.components.every((c) => c.monthlyUsd === null && c.quantity === null)).toBe(true);
    expect(estimate.components.map((c) => c.note).join(" ")).toMatch(note);
  });

  test("usage-based parts do not hide the priced part (Spaces overage)", () => {
    const estimate = estimateResource(T.bucket, {});
    expect(estimate.monthlyUsd).toBe(p.spaces.subscriptionMonthlyUsd);
    expect(estimate.components.filter((c) => c.monthlyUsd === null).length).toBe(2);
  });
});

describe("free types", () => {
  test.each([
    "digitalocean:index/project:Project",
    "digitalocean:index/tag:Tag",
    "digitalocean:index/vpc:Vpc",
    "digitalocean:index/firewall:Firewall",
    "digitalocean:index/domain:Domain",
    "digitalocean:index/dnsRecord:DnsRecord",
    "digitalocean:index/monitorAlert:MonitorAlert",
    "digitalocean:index/sshKey:SshKey",
    "digitalocean:index/certificate:Certificate",
    "digitalocean:index/projectResources:ProjectResources",
  ])("%s is free", (type) => {
    expect(estimateResource(type, { anything: 1 })).toEqual({ resourceType: type, monthlyUsd: 0, components: [], unknowns: [], sizeSlugs: [], free: true });
  });
});

describe("estimateStack", () => {
  test("sums in cents: three $0.10 + $0.20 volumes make exactly $0.90", () => {
    // 1 GiB × $0.10 and 2 GiB × $0.10: floating-point 0.1 + 0.2 + ... would drift.
    const resources = [1, 2, 1, 2, 1, 2].map((size, i) => ({ urn: `urn:v${i}`, type: T.volume, inputs: { size } }));
    const stack = estimateStack(resources);
    expect(stack.totalMonthlyUsd).toBe(0.9);
    expect(stack.unpricedUrns).toEqual([]);
  });

  test("total skips unpriced resources and lists their URNs; free ones count as 0", () => {
    const stack = estimateStack([
      { urn: "urn:web", type: T.droplet, inputs: { size: "s-1vcpu-1gb" } },
      { urn: "urn:odd", type: T.droplet, inputs: { size: "nope" } },
      { urn: "urn:tag", type: "digitalocean:index/tag:Tag", inputs: {} },
      { urn: "urn:db", type: T.database, inputs: { engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 2 } },
    ]);
    expect(stack.totalMonthlyUsd).toBeCloseTo(droplet("s-1vcpu-1gb") + 2 * pgNode("db-s-1vcpu-1gb"), 2);
    expect(stack.unpricedUrns).toEqual(["urn:odd"]);
    expect(stack.resources.map((r) => r.urn)).toEqual(["urn:web", "urn:odd", "urn:tag", "urn:db"]);
  });

  test("the Spaces subscription is counted once per account", () => {
    const stack = estimateStack([
      { urn: "urn:b1", type: T.bucket, inputs: {} },
      { urn: "urn:b2", type: T.bucket, inputs: {} },
    ]);
    expect(stack.totalMonthlyUsd).toBe(p.spaces.subscriptionMonthlyUsd);
    expect(stack.resources[1].monthlyUsd).toBe(0);
    expect(stack.resources[1].components[0].note).toMatch(/urn:b1/);
  });

  test("accepts a custom catalog (same engine, other prices)", () => {
    const raw = JSON.parse(JSON.stringify(rawPrices));
    raw.volumes.usdPerGiBMonth = 0.5;
    const stack = estimateStack([{ urn: "urn:v", type: T.volume, inputs: { size: 10 } }], createPriceCatalog(raw));
    expect(stack.totalMonthlyUsd).toBe(10 * 0.5);
  });
});
