import { createPriceCatalog, defaultCatalog, estimateResource, estimateStack, isUnconfirmed } from "../../../core/pricing";
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
const lbType = (type: string): number => defaultCatalog.loadBalancerType(type)!.monthlyUsd!;

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
    [
      "pg storage beyond the included GiB at the extra-storage rate",
      T.database,
      { engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 1, storageSizeMib: "30720" },
      pgNode("db-s-1vcpu-1gb") + (30 - defaultCatalog.databaseSize("pg", "db-s-1vcpu-1gb")!.includedStorageGiB!) * p.databases.engines.pg.extraStorageUsdPerGiBMonth!,
    ],
    ["3 × db-s-2vcpu-2gb kafka", T.database, { engine: "kafka", size: "db-s-2vcpu-2gb", nodeCount: 3 }, 3 * defaultCatalog.databaseSize("kafka", "db-s-2vcpu-2gb")!.monthlyUsdPerNode],
    ["network lb 2 nodes", T.lb, { type: "REGIONAL_NETWORK", sizeUnit: 2 }, 2 * lbType("REGIONAL_NETWORK")],
    ["global lb flat fee", T.lb, { type: "GLOBAL" }, lbType("GLOBAL")],
    ["app: dedicated apps-d-1vcpu-1gb × 2", T.app, { spec: { name: "d", services: [{ name: "web", instanceSizeSlug: "apps-d-1vcpu-1gb", instanceCount: 2 }] } }, 2 * app("apps-d-1vcpu-1gb")],
    ["app: a dev database is billed with the app", T.app, { spec: { name: "a", databases: [{ name: "dev", engine: "PG" }] } }, p.appPlatformDevDatabases.monthlyUsdPerDatabase],
    ["app: a production database is priced on its own cluster", T.app, { spec: { name: "a", databases: [{ name: "prod", engine: "PG", production: true, clusterName: "c" }] } }, 0],
    ["gpu droplet = hourly × 744 h", T.droplet, { size: "gpu-h100x1-80gb" }, defaultCatalog.dropletSize("gpu-h100x1-80gb")!.hourlyUsd * p.gpuDropletBilling.maxBilledHoursPerMonth],
    ["read-only replica db-s-1vcpu-2gb", T.replica, { clusterId: "c", size: "db-s-1vcpu-2gb" }, pgNode("db-s-1vcpu-2gb")],
    ["k8s 3 × s-2vcpu-4gb, free control plane", T.k8s, { nodePool: { size: "s-2vcpu-4gb", nodeCount: 3 } }, 3 * droplet("s-2vcpu-4gb")],
    ["k8s HA + 2 × s-1vcpu-2gb", T.k8s, { ha: true, nodePool: { size: "s-1vcpu-2gb", nodeCount: 2 } }, p.kubernetes.haControlPlaneMonthlyUsd + 2 * droplet("s-1vcpu-2gb")],
    ["node pool 4 × s-4vcpu-8gb", T.nodePool, { clusterId: "k", size: "s-4vcpu-8gb", nodeCount: 4 }, 4 * droplet("s-4vcpu-8gb")],
    ["lb sizeUnit 3 × per-node", T.lb, { sizeUnit: 3 }, 3 * lbType("REGIONAL")],
    ["lb legacy lb-medium = 3 nodes", T.lb, { size: "lb-medium" }, 3 * lbType("REGIONAL")],
    ["lb with no size = 1 node", T.lb, {}, 1 * lbType("REGIONAL")],
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
    ["engine without published prices", T.database, { engine: "redis", size: "db-s-1vcpu-1gb", nodeCount: 1 }, /no published prices for database engine 'redis'/],
    ["valkey size its page does not list", T.database, { engine: "valkey", size: "db-s-2vcpu-4gb", nodeCount: 1 }, /unknown database size slug 'db-s-2vcpu-4gb' for engine 'valkey'/],
    ["storage with unpublished included GiB", T.database, { engine: "kafka", size: "db-s-2vcpu-2gb", nodeCount: 3, storageSizeMib: "102400" }, /does not publish the storage included with kafka db-s-2vcpu-2gb/],
    ["replica of a size the read-only engines do not agree on", T.replica, { clusterId: "c", size: "gd-2vcpu-8gb" }, /unknown database size slug 'gd-2vcpu-8gb' for a read-only replica/],
    ["unknown k8s pool slug", T.k8s, { nodePool: { size: "x-1", nodeCount: 1 } }, /unknown droplet size slug 'x-1'/],
    ["unknown legacy lb slug", T.lb, { size: "lb-huge" }, /unknown load balancer size slug 'lb-huge'/],
    ["lb type without a published price", T.lb, { type: "REGIONAL_GPU" }, /no published price for load balancer type 'REGIONAL_GPU'/],
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
    expect(estimateResource(type, { anything: 1 })).toEqual({ resourceType: type, monthlyUsd: 0, components: [], unknowns: [], sizeSlugs: [], free: true, sourceKind: "official" });
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

describe("source kind: estimates resting on a secondary price are unconfirmed", () => {
  // Kinds come from the catalog rows the unit prices were read from (prices.json `sourceKind`).
  const rows: [string, string, Record<string, unknown>, "official" | "secondary"][] = [
    ["volume (DigitalOcean's volume pricing page)", T.volume, { size: 10 }, "official"],
    ["pg db-s-1vcpu-1gb single node (the engine page names $15)", T.database, { engine: "pg", size: "db-s-1vcpu-1gb", nodeCount: 1 }, "official"],
    ["pg db-s-4vcpu-8gb (only public cost tables list it)", T.database, { engine: "pg", size: "db-s-4vcpu-8gb", nodeCount: 1 }, "secondary"],
    ["pg db-s-1vcpu-2gb with a standby (engine page + node roles)", T.database, { engine: "pg", size: "db-s-1vcpu-2gb", nodeCount: 2 }, "official"],
    ["CPU droplet (third-party capture of GET /v2/sizes)", T.droplet, { size: "s-1vcpu-1gb" }, "secondary"],
    ["GPU droplet (DigitalOcean's Droplet pricing page)", T.droplet, { size: "gpu-h100x1-80gb" }, "official"],
    ["dedicated app instance", T.app, { spec: { name: "d", services: [{ instanceSizeSlug: "apps-d-2vcpu-4gb" }] } }, "official"],
    ["read-only replica of a size only cost tables list", T.replica, { clusterId: "c", size: "db-s-4vcpu-8gb" }, "secondary"],
  ];
  test.each(rows)("%s → %s", (_name, type, inputs, kind) => {
    const estimate = estimateResource(type, inputs);
    expect(estimate.monthlyUsd).not.toBeNull();
    expect(estimate.sourceKind).toBe(kind);
    expect(isUnconfirmed(estimate)).toBe(kind === "secondary");
  });

  test("every component names the kind of its source", () => {
    const estimate = estimateResource(T.droplet, { size: "s-2vcpu-4gb", backups: true });
    expect(estimate.components.map((c) => [c.name.split(" ")[0], c.sourceKind])).toEqual([
      ["Droplet", "secondary"],
      // A backup is a fraction of the Droplet's price, so it is as unconfirmed as the Droplet.
      ["Backups", "secondary"],
      ["Outbound", "official"],
    ]);
  });

  test("a usage-only secondary component does not make a priced estimate unconfirmed", () => {
    expect(isUnconfirmed({ components: [{ monthlyUsd: null, sourceKind: "secondary" }, { monthlyUsd: 5, sourceKind: "official" }] })).toBe(false);
    expect(isUnconfirmed({ components: [{ monthlyUsd: 0, sourceKind: "secondary" }] })).toBe(true);
  });
});

describe("newly priced slugs estimate as their DigitalOcean pages state", () => {
  // Figures quoted from the pages cited in prices.json (read 2026-11-29); a change to the
  // catalog that breaks one of these must come with a new citation.
  const rows: [string, string, Record<string, unknown>, number][] = [
    ["Valkey single node 1 GiB: $15.00", T.database, { engine: "valkey", size: "db-s-1vcpu-1gb", nodeCount: 1 }, 15],
    ["Valkey HA 2 GiB primary + matching standby: 2 × $30.00", T.database, { engine: "valkey", size: "db-s-1vcpu-2gb", nodeCount: 2 }, 60],
    ["Kafka Basic 3-node cluster: $147.00", T.database, { engine: "kafka", size: "db-s-2vcpu-2gb", nodeCount: 3 }, 147],
    ["Kafka General Purpose 16 GiB 6-node cluster: 2 × $1197.00", T.database, { engine: "kafka", size: "gd-4vcpu-16gb", nodeCount: 6 }, 2394],
    ["OpenSearch single node 2 GiB: $19", T.database, { engine: "opensearch", size: "db-s-1vcpu-2gb", nodeCount: 1 }, 19],
    ["MongoDB single node 1 GiB: $15.00", T.database, { engine: "mongodb", size: "db-s-1vcpu-1gb", nodeCount: 1 }, 15],
    ["MySQL 30 GiB on db-s-1vcpu-1gb: $15 + 20 GiB × $0.21", T.database, { engine: "mysql", size: "db-s-1vcpu-1gb", nodeCount: 1, storageSizeMib: "30720" }, 19.2],
    ["read-only node db-s-1vcpu-1gb: $15.00", T.replica, { clusterId: "c", size: "db-s-1vcpu-1gb" }, 15],
    ["apps-d-1vcpu-0.5gb: $29.00", T.app, { spec: { name: "a", services: [{ instanceSizeSlug: "apps-d-1vcpu-0.5gb" }] } }, 29],
    ["apps-d-8vcpu-32gb: $392.00", T.app, { spec: { name: "a", workers: [{ instanceSizeSlug: "apps-d-8vcpu-32gb" }] } }, 392],
    ["App Platform dev database: $7.00", T.app, { spec: { name: "a", databases: [{ name: "db" }] } }, 7],
    ["reserved IPv4 not assigned: $5.00", T.reservedIp, { region: "nyc3" }, 5],
    ["regional HTTP load balancer node: $12.00", T.lb, { sizeUnit: 1 }, 12],
    ["regional network load balancer node: $15.00", T.lb, { type: "REGIONAL_NETWORK", sizeUnit: 1 }, 15],
    ["global load balancer: $15.00", T.lb, { type: "GLOBAL" }, 15],
    ["H100 GPU Droplet: $3.39/hour × 744 h", T.droplet, { size: "gpu-h100x1-80gb" }, 2522.16],
  ];
  test.each(rows)("%s", (_name, type, inputs, expected) => {
    const estimate = estimateResource(type, inputs);
    expect(estimate.unknowns).toEqual([]);
    expect(estimate.monthlyUsd).toBe(expected);
  });
});
