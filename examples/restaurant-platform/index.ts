/**
 * A typical small DigitalOcean production stack, written the way the cost guard wants it:
 * every taggable resource carries env/service/owner tags and the stack tag (so `tracker reconcile`
 * can set the month's invoice against this plan), and everything that cannot be tagged
 * (the app, the load balancer, the Spaces bucket, the reserved IP) is assigned to a project so
 * the invoice's `project_name` can allocate its cost.
 *
 * Storefront and orders API on App Platform, orders in managed Postgres with a standby node,
 * menu photos in Spaces, a ticket-printing worker droplet with a volume behind a load balancer
 * (kitchen printers connect to it), and a reserved IP for the printers' allow-list.
 */
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

const region = "nyc3";
const stackTag = `stack:${pulumi.getProject()}-${pulumi.getStack()}`;
const tags = (service: string) => ["env:prod", `service:${service}`, "owner:platform", stackTag];

const ordersDb = new digitalocean.DatabaseCluster("orders-db", {
  engine: "pg",
  version: "16",
  size: "db-s-2vcpu-4gb",
  nodeCount: 2, // primary + standby for automatic failover
  region,
  tags: tags("orders-db"),
});

const app = new digitalocean.App("ordering", {
  spec: {
    name: "ordering",
    region,
    services: [
      { name: "storefront", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2, httpPort: 8080, image: { registryType: "DOCR", repository: "storefront", tag: "1.42.0" } },
      { name: "orders-api", instanceSizeSlug: "apps-s-1vcpu-1gb", instanceCount: 2, httpPort: 8080, image: { registryType: "DOCR", repository: "orders-api", tag: "3.8.1" } },
    ],
  },
});

const menuPhotos = new digitalocean.SpacesBucket("menu-photos", { name: "forkline-menu-photos", region, acl: "private" });

const printer = new digitalocean.Droplet("ticket-printer", {
  image: "ubuntu-24-04-x64",
  size: "s-1vcpu-2gb",
  region,
  backups: true,
  tags: tags("worker"),
});

const spool = new digitalocean.Volume("ticket-spool", {
  region,
  size: 50,
  initialFilesystemType: "ext4",
  tags: tags("worker"),
});
new digitalocean.VolumeAttachment("ticket-spool-attachment", { dropletId: printer.id.apply(Number), volumeId: spool.id });

const printerLb = new digitalocean.LoadBalancer("printer-lb", {
  region,
  sizeUnit: 1,
  dropletTag: "service:worker",
  forwardingRules: [{ entryProtocol: "tcp", entryPort: 9100, targetProtocol: "tcp", targetPort: 9100 }],
});

const printerIp = new digitalocean.ReservedIp("printer-ip", { region, dropletId: printer.id.apply(Number) });

new digitalocean.Project("forkline-prod", {
  name: "forkline-prod",
  environment: "Production",
  purpose: "Web Application",
  resources: [
    ordersDb.clusterUrn,
    app.appUrn,
    menuPhotos.bucketUrn,
    printer.dropletUrn,
    spool.volumeUrn,
    printerLb.loadBalancerUrn,
    printerIp.reservedIpUrn,
  ],
});
