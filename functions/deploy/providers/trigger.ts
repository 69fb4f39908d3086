/**
 * `FunctionsTrigger`: a scheduled trigger that runs a Functions action on a cron schedule
 * (UTC). The schedule is validated at preview time.
 */
import * as pulumi from "@pulumi/pulumi";
import { serializableProvider } from "./serialized-provider";

/**
 * Arguments of {@link FunctionsTrigger}. Changing `namespaceId`, `name` or `functionName`
 * replaces it; `cron`, `body` and `enabled` update in place.
 */
export interface FunctionsTriggerArgs {
  namespaceId: pulumi.Input<string>;
  /** Unique within the namespace. */
  name: pulumi.Input<string>;
  /** `package/action`: pass the action's `qualifiedName`. */
  functionName: pulumi.Input<string>;
  /** Five fields (minute hour day-of-month month day-of-week), UTC. */
  cron: pulumi.Input<string>;
  /** What the function receives on each run; DigitalOcean's spec allows only `name`. */
  body?: pulumi.Input<{ name?: pulumi.Input<string> }>;
  enabled: pulumi.Input<boolean>;
}

/** A scheduled trigger (`pulumi-nodejs:dynamic/do-cost-guard:FunctionsTrigger`). */
export class FunctionsTrigger extends pulumi.dynamic.Resource {
  declare public readonly namespaceId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly functionName: pulumi.Output<string>;
  declare public readonly cron: pulumi.Output<string>;
  declare public readonly enabled: pulumi.Output<boolean>;

  constructor(name: string, args: FunctionsTriggerArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      serializableProvider("trigger"),
      name,
      { namespaceId: args.namespaceId, name: args.name, functionName: args.functionName, cron: args.cron, body: args.body, enabled: args.enabled },
      opts,
      "do-cost-guard",
      "FunctionsTrigger",
    );
  }
}
