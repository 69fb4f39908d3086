/**
 * What do-cost-guard exists to stop: a "quick" stack nobody priced. Nothing is tagged, so
 * nobody can tell later who owns it; the database is sized for a company ten times larger; a
 * Kubernetes cluster autoscales without an owner; and the load balancer and bucket belong to no
 * project. `npm run plan -- --program examples/unguarded-startup` exits 1 with the reasons.
 */
import * as digitalocean from "@pulumi/digitalocean";

const region = "fra1";

new digitalocean.DatabaseCluster("analytics-db", {
  engine: "pg",
  version: "16",
  size: "db-s-8vcpu-32gb",
  nodeCount: 3,
  region,
});

new digitalocean.KubernetesCluster("ml-cluster", {
  region,
  version: "1.31.1-do.0",
  ha: true,
  nodePool: { name: "gpu-ish", size: "c-8", nodeCount: 3, autoScale: true, minNodes: 3, maxNodes: 10 },
});

for (const name of ["scraper-1", "scraper-2", "scraper-3"]) {
  new digitalocean.Droplet(name, { image: "ubuntu-24-04-x64", size: "s-4vcpu-8gb", region, tags: ["scraper", "Temporary Stuff"] });
}

new digitalocean.LoadBalancer("public-lb", {
  region,
  sizeUnit: 4,
  dropletTag: "scraper",
  forwardingRules: [{ entryProtocol: "http", entryPort: 80, targetProtocol: "http", targetPort: 8080 }],
});

new digitalocean.SpacesBucket("raw-dumps", { name: "unguarded-raw-dumps", region });
