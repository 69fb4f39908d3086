/**
 * CRUD for a DigitalOcean Functions scheduled trigger
 * (`/v2/functions/namespaces/{namespace_id}/triggers`), as a Pulumi dynamic provider. The cron
 * expression is validated in `check`, so a typo fails `pulumi preview`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { parseCron } from "../../../core/cron";
import type { FunctionsTrigger, ScheduledDetails } from "../../src/digitalocean/types";
import type { ProviderDeps } from "./credentials";
import { changedProperties, CheckFailures, isNotFound, isUnknown } from "./validation";

/** Inputs (and outputs) of a scheduled trigger. */
export interface TriggerInputs {
  namespaceId: string;
  /** Unique within the namespace. */
  name: string;
  /** `package/action`, e.g. an action's `qualifiedName`. */
  functionName: string;
  /** Five-field cron, evaluated in UTC. */
  cron: string;
  /**
   * What the function receives on each run. DigitalOcean's spec allows only `name` here
   * (`functions/models/scheduled_details.yml`), so a task is chosen by name.
   */
  body?: { name?: string };
  enabled: boolean;
}

/** The trigger provider, with its clients supplied by `deps` at each call. */
export function triggerProvider(deps: () => ProviderDeps): pulumi.dynamic.ResourceProvider<TriggerInputs, TriggerInputs> {
  return {
    async check(_olds, news) {
      const failures = new CheckFailures();
      failures.requireString("namespaceId", news.namespaceId);
      failures.requireString("name", news.name);
      failures.requireString("functionName", news.functionName);
      if (failures.requireString("cron", news.cron)) {
        try {
          parseCron(news.cron);
        } catch (error) {
          failures.add("cron", (error as Error).message);
        }
      }
      checkBody(failures, news.body);
      if (!isUnknown(news.enabled) && typeof news.enabled !== "boolean") failures.add("enabled", `enabled must be true or false (got ${JSON.stringify(news.enabled)})`);
      return { inputs: news, failures: failures.failures };
    },

    async diff(_id, olds, news) {
      const replaces = changedProperties(olds, news, ["namespaceId", "name", "functionName"]);
      const changes = [...replaces, ...changedProperties(olds, news, ["cron", "body", "enabled"])];
      return { changes: changes.length > 0, replaces };
    },

    async create(inputs) {
      const digitalOcean = deps().digitalOcean();
      // A create that timed out may still have happened: adopt it and bring it to the inputs.
      const existing = (await digitalOcean.listTriggers(inputs.namespaceId)).find((trigger) => trigger.name === inputs.name);
      if (existing && existing.function !== inputs.functionName) {
        throw new Error(`trigger "${inputs.name}" already exists in namespace ${inputs.namespaceId} for function ${existing.function} (wanted ${inputs.functionName}); choose another name`);
      }
      if (!existing) {
        await digitalOcean.createTrigger(inputs.namespaceId, {
          name: inputs.name,
          function: inputs.functionName,
          type: "SCHEDULED",
          is_enabled: inputs.enabled,
          scheduled_details: scheduledDetails(inputs),
        });
      } else if (!matches(existing, inputs)) {
        await digitalOcean.updateTrigger(inputs.namespaceId, inputs.name, { is_enabled: inputs.enabled, scheduled_details: scheduledDetails(inputs) });
      }
      return { id: `${inputs.namespaceId}/${inputs.name}`, outs: inputs };
    },

    async update(_id, _olds, news) {
      await deps().digitalOcean().updateTrigger(news.namespaceId, news.name, { is_enabled: news.enabled, scheduled_details: scheduledDetails(news) });
      return { outs: news };
    },

    async read(id, props) {
      if (!props) return { id, props };
      let trigger: FunctionsTrigger | undefined;
      try {
        trigger = (await deps().digitalOcean().listTriggers(props.namespaceId)).find((candidate) => candidate.name === props.name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (!trigger) return {};
      const body = trigger.scheduled_details?.body ?? undefined;
      return {
        id,
        props: {
          ...props,
          functionName: trigger.function ?? props.functionName,
          cron: trigger.scheduled_details?.cron ?? props.cron,
          enabled: trigger.is_enabled ?? props.enabled,
          ...(body ? { body } : {}),
        },
      };
    },

    async delete(_id, props) {
      try {
        await deps().digitalOcean().deleteTrigger(props.namespaceId, props.name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}

function checkBody(failures: CheckFailures, body: unknown): void {
  if (body === undefined || isUnknown(body)) return;
  const fields = body !== null && typeof body === "object" && !Array.isArray(body) ? Object.entries(body) : undefined;
  if (!fields || fields.some(([key, value]) => key !== "name" || (typeof value !== "string" && !isUnknown(value)))) {
    failures.add("body", `body must be {name: string}, the only field DigitalOcean's scheduled_details.body takes (got ${JSON.stringify(body)})`);
  }
}

function scheduledDetails(inputs: TriggerInputs): ScheduledDetails {
  return inputs.body === undefined ? { cron: inputs.cron } : { cron: inputs.cron, body: inputs.body };
}

function matches(trigger: FunctionsTrigger, inputs: TriggerInputs): boolean {
  return (
    trigger.is_enabled === inputs.enabled &&
    trigger.scheduled_details?.cron === inputs.cron &&
    JSON.stringify(trigger.scheduled_details?.body ?? null) === JSON.stringify(inputs.body ?? null)
  );
}
