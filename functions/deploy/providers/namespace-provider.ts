/**
 * CRUD for a DigitalOcean Functions namespace (`/v2/functions/namespaces`), as a Pulumi dynamic
 * provider. Pure of `@pulumi/pulumi` at run time so it can be bundled into the serialized
 * provider (see `serialized-provider.ts`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FunctionsNamespace } from "../../src/digitalocean/types";
import type { ProviderDeps } from "./credentials";
import { changedProperties, CheckFailures, isNotFound } from "./validation";

/** Inputs of a namespace. */
export interface NamespaceInputs {
  /** A Functions region slug, e.g. `fra1`. */
  region: string;
  /** The namespace's label; unique per account, which is what makes a retried create safe. */
  label: string;
}

/** Outputs of a namespace; `uuid` and `key` are the OpenWhisk credentials (secret). */
export interface NamespaceOutputs extends NamespaceInputs {
  namespaceId: string;
  apiHost: string;
  uuid: string;
  key: string;
}

/**
 * Regions offering Functions: DigitalOcean "Functions Availability"
 * (https://docs.digitalocean.com/products/functions/details/availability/, generated 26 Mar 2026)
 * plus nyc1, which DigitalOcean's own namespace example uses
 * (https://docs.digitalocean.com/products/functions/how-to/create-namespaces/, read 2026-03).
 */
export const FUNCTIONS_REGIONS: readonly string[] = ["ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "syd1", "tor1"];

/** The namespace provider, with its clients supplied by `deps` at each call. */
export function namespaceProvider(deps: () => ProviderDeps): pulumi.dynamic.ResourceProvider<NamespaceInputs, NamespaceOutputs> {
  return {
    async check(_olds, news) {
      const failures = new CheckFailures();
      if (failures.requireString("region", news.region) && !FUNCTIONS_REGIONS.includes(news.region)) {
        failures.add("region", `region "${news.region}" does not offer DigitalOcean Functions; use one of ${FUNCTIONS_REGIONS.join(", ")}`);
      }
      failures.requireString("label", news.label);
      return { inputs: news, failures: failures.failures };
    },

    async diff(_id, olds, news) {
      const changes = changedProperties(olds, news, ["region", "label"]);
      // Labels are unique: a region move under the same label must free the label first.
      return { changes: changes.length > 0, replaces: changes, deleteBeforeReplace: !changes.includes("label") };
    },

    async create(inputs) {
      const digitalOcean = deps().digitalOcean();
      // A create that timed out may still have happened; adopting it beats a duplicate.
      const existing = (await digitalOcean.listNamespaces()).find((namespace) => namespace.label === inputs.label);
      if (existing && existing.region !== inputs.region) {
        throw new Error(`a Functions namespace labelled "${inputs.label}" already exists in region ${existing.region} (wanted ${inputs.region}); choose another label`);
      }
      const namespace = existing ?? (await digitalOcean.createNamespace({ region: inputs.region, label: inputs.label }));
      const outs = namespaceOutputs(namespace);
      return { id: outs.namespaceId, outs };
    },

    async read(id) {
      try {
        const outs = namespaceOutputs(await deps().digitalOcean().getNamespace(id));
        return { id, props: outs };
      } catch (error) {
        if (isNotFound(error)) return {};
        throw error;
      }
    },

    async delete(id) {
      try {
        await deps().digitalOcean().deleteNamespace(id);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

function namespaceOutputs(namespace: FunctionsNamespace): NamespaceOutputs {
  const fields = { namespaceId: namespace.namespace, apiHost: namespace.api_host, uuid: namespace.uuid, key: namespace.key, region: namespace.region, label: namespace.label };
  const missing = Object.entries(fields).filter(([, value]) => !value).map(([name]) => name);
  if (missing.length > 0) throw new Error(`DigitalOcean returned a namespace without ${missing.join(", ")}`);
  return fields as NamespaceOutputs;
}
