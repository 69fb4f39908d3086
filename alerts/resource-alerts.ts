import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { monitorAlertSpecs } from "./alert-specs";
import { appWatchesOf, type AlertDestinations, type AlertTarget, type AppWatch } from "./rules";

export interface ResourceAlertsArgs {
  /** Validated targets (config.ts); app targets are recorded for the tracker, not declared. */
  targets: readonly AlertTarget[];
  /** Where every policy sends its notifications. */
  destinations: AlertDestinations<pulumi.Input<string>>;
}

/**
 * DigitalOcean monitor alert policies for managed databases, droplets and load balancers,
 * declared from validated configuration. Monitor alerts are free.
 */
export class ResourceAlerts extends pulumi.ComponentResource {
  /** The declared policies, in target then rule order. */
  public readonly policies: digitalocean.MonitorAlert[];
  /** Policy uuids by resource name, e.g. {"orders-db-cpu-high": "…"}. */
  public readonly policyIds: pulumi.Output<Record<string, string>>;
  /** Apps the tracker polls for memory through the metrics API. */
  public readonly appWatches: AppWatch[];

  constructor(name: string, args: ResourceAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("do-cost-guard:alerts:ResourceAlerts", name, {}, opts);

    const alerts = {
      emails: [...args.destinations.emails],
      slacks: args.destinations.slack ? [{ channel: args.destinations.slack.channel, url: args.destinations.slack.url }] : [],
    };
    const specs = monitorAlertSpecs(args.targets);
    this.policies = specs.map(
      (spec) =>
        new digitalocean.MonitorAlert(
          spec.resourceName,
          {
            type: spec.type,
            compare: spec.compare,
            value: spec.value,
            window: spec.window,
            entities: spec.entities,
            tags: spec.tags,
            description: spec.description,
            enabled: true,
            alerts,
          },
          { parent: this },
        ),
    );
    this.policyIds = pulumi
      .all(this.policies.map((policy) => policy.uuid))
      .apply((uuids) => Object.fromEntries(uuids.map((uuid, i) => [specs[i].resourceName, uuid])));
    this.appWatches = appWatchesOf(args.targets);

    this.registerOutputs({ policyIds: this.policyIds, appWatches: this.appWatches });
  }
}
