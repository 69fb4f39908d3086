/**
 * One-line summaries of a resource's key settings for the plan table. The table is for people:
 * a monitor alert reads as its rule, other resources as their few scalar settings.
 */
import { SECRET_MASK } from "./program-runner";

const MAX_GENERIC_SETTINGS = 4;

/** "digitalocean:index/monitorAlert:MonitorAlert" → "digitalocean:MonitorAlert". */
export function shortType(type: string): string {
  if (type.startsWith("pulumi-nodejs:dynamic/")) return type.slice("pulumi-nodejs:dynamic/".length);
  const parts = type.split(":");
  return parts.length === 3 ? `${parts[0]}:${parts[2]}` : type;
}

export function summarizeInputs(type: string, inputs: Record<string, unknown>): string {
  if (type === "digitalocean:index/monitorAlert:MonitorAlert") return summarizeMonitorAlert(inputs);
  if (type === "digitalocean:index/app:App") return summarizeApp(inputs);
  const settings: string[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    if (settings.length === MAX_GENERIC_SETTINGS) break;
    if (key.startsWith("__")) continue; // engine plumbing such as a dynamic resource's provider
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") settings.push(`${key}=${value}`);
  }
  return settings.join(" ");
}

function summarizeMonitorAlert(inputs: Record<string, unknown>): string {
  const compare = inputs.compare === "LessThan" ? "<" : ">";
  const type = String(inputs.type ?? "").replace(/^v1\/(insights|dbaas\/alerts)\//, "");
  const selectors = [
    ...asStrings(inputs.entities).map((id) => `id:${id}`),
    ...asStrings(inputs.tags).map((tag) => `tag:${tag}`),
  ];
  const alerts = (inputs.alerts ?? {}) as { emails?: unknown; slacks?: unknown };
  const emails = asStrings(alerts.emails).length;
  const slacks = Array.isArray(alerts.slacks) ? alerts.slacks.map((s) => (s as { channel?: unknown }).channel) : [];
  const destinations = [`${emails} email${emails === 1 ? "" : "s"}`, ...slacks.map((c) => `slack ${c === SECRET_MASK ? "[secret]" : String(c)}`)];
  return `${inputs.description} · ${type} ${compare} ${inputs.value} on ${selectors.join(",") || "all"} → ${destinations.join(", ")}`;
}

/** "storefront apps-s-1vcpu-1gb×2, orders-api apps-s-1vcpu-1gb×2" — an app is its components. */
function summarizeApp(inputs: Record<string, unknown>): string {
  const spec = (inputs.spec ?? {}) as Record<string, unknown>;
  const components: string[] = [];
  for (const kind of ["services", "workers", "jobs", "staticSites"]) {
    const list = Array.isArray(spec[kind]) ? (spec[kind] as Record<string, unknown>[]) : [];
    for (const c of list) components.push(kind === "staticSites" ? `${c.name} (static)` : `${c.name} ${c.instanceSizeSlug ?? "default size"}×${c.instanceCount ?? 1}`);
  }
  return components.join(", ");
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
