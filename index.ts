/**
 * do-cost-guard: the composition root. Reads validated configuration once and hands each
 * component its slice; no resource logic lives here.
 */
import { ResourceAlerts } from "./alerts/resource-alerts";
import { loadConfig } from "./config";

const config = loadConfig();

const resourceAlerts = new ResourceAlerts("resource-alerts", {
  targets: config.alerts.targets,
  destinations: config.alerts.destinations,
});

/** Monitor alert policy uuids by name. */
export const alertPolicyIds = resourceAlerts.policyIds;
/** App Platform apps the tracker polls for memory (no monitor alert type exists for apps). */
export const appWatches = resourceAlerts.appWatches;
