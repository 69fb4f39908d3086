/**
 * `reconcile --plan plan.json`: the plan's per-resource estimates (from `npm run plan -- --json`)
 * against one month's invoice items of the resources carrying the stack's tag
 * (`stack:<project>-<stack>`). Reads the tagged inventory and the month's invoice, runs the
 * pure comparison (core/calibration/stack-reconciliation) and keeps the result in the store for
 * the dashboard (CalibrationStore.listStackReconciliations). Adapts only.
 */
import { isTaggableType } from "../../../core/tags";
import { projectAndStackOfUrn, reconcileStack, stackTag, type BilledLine, type PlannedCost, type StackReconciliation, type TaggedResource } from "../../../core/calibration";
import { parseUsd } from "../../../core/money";
import type { DigitalOceanClient } from "../digitalocean/client";
import { formatTextTable } from "../notify/message";
import { CalibrationStore } from "../store/calibration-store";
import type { SqlClient } from "../store/sql-client";

/** The client calls reconcile makes. */
export type ReconcileApi = Pick<DigitalOceanClient, "listInvoices" | "listInvoiceItems" | "listDroplets" | "listDatabaseClusters" | "listVolumes" | "listKubernetesClusters">;

/** The part of a `npm run plan -- --json` document reconcile reads (version 1). */
export interface PlanJson {
  version: 1;
  stack: string;
  resources: PlannedCost[];
}

/** Checks a parsed plan document; errors name the bad field. */
export function parsePlanJson(raw: unknown, file: string): PlanJson {
  const plan = raw as Partial<PlanJson> | null;
  if (typeof plan !== "object" || plan === null) throw new Error(`${file} is not a plan document (expected the JSON of npm run plan -- --json)`);
  if (plan.version !== 1) throw new Error(`${file}: version must be 1 (got ${JSON.stringify(plan.version)})`);
  if (!Array.isArray(plan.resources)) throw new Error(`${file}: resources must be an array`);
  plan.resources.forEach((resource, index) => {
    if (typeof resource?.urn !== "string" || typeof resource.type !== "string" || typeof resource.name !== "string" || !Array.isArray(resource.components)) {
      throw new Error(`${file}: resources[${index}] lacks urn, type, name or components`);
    }
  });
  return plan as PlanJson;
}

/** The stack tag of a plan: from its resources' URNs (`urn:pulumi:<stack>::<project>::…`). */
export function stackTagOfPlan(plan: PlanJson): string {
  const named = plan.resources.map((resource) => projectAndStackOfUrn(resource.urn)).find((found) => found !== undefined);
  if (!named) throw new Error("the plan's resources carry no Pulumi URN (urn:pulumi:<stack>::<project>::…) to name the stack by");
  return stackTag(named.project, named.stack);
}

export interface ReconcileDeps {
  api: ReconcileApi;
  db: SqlClient;
  plan: PlanJson;
  /** YYYY-MM; default the latest closed invoice (a whole month, comparable with monthly estimates). */
  billingMonth?: string;
  now: Date;
  /** The team whose invoice this is, whose rows the result is filed under (default the implicit team). */
  team?: string;
}

/** Reads the month's invoice and the tagged inventory, compares, and stores the stack's month. */
export async function runReconciliation(deps: ReconcileDeps): Promise<StackReconciliation & { partialMonth: boolean }> {
  const tag = stackTagOfPlan(deps.plan);
  const invoices = await deps.api.listInvoices();
  const closed = [...invoices.invoices].filter((invoice) => invoice.invoice_period).sort((a, b) => ((a.invoice_period ?? "") < (b.invoice_period ?? "") ? 1 : -1));
  const month = deps.billingMonth ?? closed[0]?.invoice_period ?? invoices.invoice_preview?.invoice_period;
  if (!month) throw new Error("DigitalOcean lists no invoice and no preview: nothing to reconcile yet");
  const partialMonth = invoices.invoice_preview?.invoice_period === month;
  const invoice = partialMonth ? "preview" : closed.find((candidate) => candidate.invoice_period === month)?.invoice_uuid;
  if (!invoice) throw new Error(`no invoice for ${month} (invoices: ${closed.map((c) => c.invoice_period).join(", ") || "none"}; preview ${invoices.invoice_preview?.invoice_period ?? "none"})`);
  const [items, droplets, databases, volumes, clusters] = await Promise.all([
    deps.api.listInvoiceItems(invoice),
    deps.api.listDroplets(),
    deps.api.listDatabaseClusters(),
    deps.api.listVolumes(),
    deps.api.listKubernetesClusters(),
  ]);
  const listed: TaggedResource[] = [
    // Invoices name droplets by id (their uuid is internal), everything else by uuid.
    ...droplets.map((d) => ({ type: "digitalocean:index/droplet:Droplet", name: d.name, tags: d.tags, keys: [String(d.id)] })),
    ...databases.filter((db) => db.id).map((db) => ({ type: "digitalocean:index/databaseCluster:DatabaseCluster", name: db.name, tags: db.tags ?? [], keys: [db.id as string] })),
    ...volumes.filter((v) => v.id).map((v) => ({ type: "digitalocean:index/volume:Volume", name: v.name ?? "", tags: v.tags ?? [], keys: [v.id as string] })),
    ...clusters.filter((c) => c.id).map((c) => ({ type: "digitalocean:index/kubernetesCluster:KubernetesCluster", name: c.name, tags: c.tags ?? [], keys: [c.id as string] })),
  ];
  const known = new Set(listed.flatMap((resource) => resource.keys));
  const lines: BilledLine[] = items.map((item, index) => ({
    resourceKey: item.resource_id && known.has(item.resource_id) ? item.resource_id : item.resource_uuid ?? item.resource_id ?? "",
    product: item.product ?? "",
    description: item.description ?? "",
    amountUsd: parseUsd(item.amount ?? "0", `invoice_items[${index}].amount`),
  }));
  const reconciliation = reconcileStack({ tag, billingMonth: month, planned: deps.plan.resources, listed, lines, isTaggable: isTaggableType });
  await new CalibrationStore(deps.db, deps.team).saveStackReconciliation(reconciliation, deps.now);
  return { ...reconciliation, partialMonth };
}

/** The printed report: a row per planned resource, the total, and the explained differences. */
export function formatReconciliation(result: StackReconciliation & { partialMonth: boolean }): string[] {
  const money = (usd: number | null) => (usd === null ? "unknown" : `$${usd.toFixed(2)}`);
  const signed = (usd: number | null) => (usd === null ? "-" : `${usd > 0 ? "+" : usd < 0 ? "-" : ""}$${Math.abs(usd).toFixed(2)}`);
  const lines = [`${result.stackTag}: estimate vs billed, ${result.billingMonth}${result.partialMonth ? " (month to date: the preview, so billed is partial)" : ""}`];
  lines.push(
    ...formatTextTable({
      columns: ["resource", "type", "status", "estimated", "billed", "difference"],
      rows: result.resources.map((r) => [r.name, r.type.replace(/^digitalocean:index\/[^:]+:/, ""), r.status, money(r.estimatedUsd), r.status === "billed" ? money(r.billedUsd) : "-", r.status === "billed" ? signed(r.differenceUsd) : "-"]),
    }),
  );
  lines.push(`total (resources matched on the bill): estimated ${money(result.estimatedUsd)}, billed ${money(result.billedUsd)}, difference ${signed(result.differenceUsd)}`);
  for (const resource of result.resources) for (const explanation of resource.explanations) lines.push(`  ${resource.name}: ${explanation}`);
  const untaggable = result.resources.filter((r) => r.status === "untaggable").map((r) => r.name);
  if (untaggable.length > 0) lines.push(`not attributable by tag (DigitalOcean cannot tag these types): ${untaggable.join(", ")}`);
  const missing = result.resources.filter((r) => r.status === "not-found").map((r) => r.name);
  if (missing.length > 0) lines.push(`no listed resource carries ${result.stackTag} for: ${missing.join(", ")} (add the tag; see policy do-resource-stack-tag)`);
  if (result.unplannedBilledUsd > 0) lines.push(`billed to ${result.stackTag} but not in the plan: ${money(result.unplannedBilledUsd)}`);
  return lines;
}
