/**
 * `FunctionsNamespace`: a DigitalOcean Functions namespace as a Pulumi resource (the Pulumi
 * DigitalOcean provider has none, pulumi-digitalocean #883). Its OpenWhisk credentials are
 * secret outputs; the actions and triggers in it look them up themselves at deploy time.
 */
import * as pulumi from "@pulumi/pulumi";
import { serializableProvider } from "./serialized-provider";

/** Arguments of {@link FunctionsNamespace}; changing either replaces the namespace. */
export interface FunctionsNamespaceArgs {
  /** A region offering Functions (see `FUNCTIONS_REGIONS`), e.g. `fra1`. */
  region: pulumi.Input<string>;
  /** Unique per account. */
  label: pulumi.Input<string>;
}

/** A Functions namespace (`pulumi-nodejs:dynamic/do-cost-guard:FunctionsNamespace`). */
export class FunctionsNamespace extends pulumi.dynamic.Resource {
  /** The namespace id (`fn-<uuid>`), which is also its OpenWhisk namespace name. */
  declare public readonly namespaceId: pulumi.Output<string>;
  /** The OpenWhisk API host, e.g. `https://faas-fra1-….doserverless.co`. */
  declare public readonly apiHost: pulumi.Output<string>;
  /** OpenWhisk user (secret). */
  declare public readonly uuid: pulumi.Output<string>;
  /** OpenWhisk key (secret). */
  declare public readonly key: pulumi.Output<string>;
  declare public readonly region: pulumi.Output<string>;
  declare public readonly label: pulumi.Output<string>;

  constructor(name: string, args: FunctionsNamespaceArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      serializableProvider("namespace"),
      name,
      { region: args.region, label: args.label, namespaceId: undefined, apiHost: undefined, uuid: undefined, key: undefined },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "uuid", "key"] },
      "do-cost-guard",
      "FunctionsNamespace",
    );
  }
}
