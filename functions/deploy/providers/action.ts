/**
 * `FunctionsAction`: one function's code and settings in a DigitalOcean Functions namespace,
 * deployed through the namespace's OpenWhisk API. The namespace credentials are fetched at
 * deploy time from DigitalOcean and never enter state; the bound parameters are stored only
 * as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import type { FunctionsNodeRuntime } from "./action-provider";
import { serializableProvider } from "./serialized-provider";

export type { FunctionsNodeRuntime } from "./action-provider";

/**
 * Arguments of {@link FunctionsAction}. Changing `namespaceId`, `packageName` or `actionName`
 * replaces the action; anything else (code, runtime, limits, parameters) updates it in place.
 */
export interface FunctionsActionArgs {
  namespaceId: pulumi.Input<string>;
  /** Created if missing. */
  packageName: pulumi.Input<string>;
  actionName: pulumi.Input<string>;
  /** The bundled JavaScript source; only its SHA-256 is kept in outputs. */
  code: pulumi.Input<string>;
  runtime: pulumi.Input<FunctionsNodeRuntime>;
  /** Exported entry point; OpenWhisk's default is `main`. */
  main?: pulumi.Input<string>;
  /** A web action gets a public URL and its parameters are final. */
  web: pulumi.Input<boolean>;
  limits: pulumi.Input<{ timeoutMs: pulumi.Input<number>; memoryMb: pulumi.Input<number> }>;
  /** Bound parameters (final); always stored as a secret. */
  parameters: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A Functions action (`pulumi-nodejs:dynamic/do-cost-guard:FunctionsAction`). */
export class FunctionsAction extends pulumi.dynamic.Resource {
  /** `package/action`, the value a trigger's `functionName` takes. */
  declare public readonly qualifiedName: pulumi.Output<string>;
  /** Public URL of a web action; undefined otherwise. */
  declare public readonly webUrl: pulumi.Output<string | undefined>;
  declare public readonly codeSha256: pulumi.Output<string>;
  declare public readonly namespaceId: pulumi.Output<string>;
  declare public readonly packageName: pulumi.Output<string>;
  declare public readonly actionName: pulumi.Output<string>;

  constructor(name: string, args: FunctionsActionArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      serializableProvider("action"),
      name,
      {
        namespaceId: args.namespaceId,
        packageName: args.packageName,
        actionName: args.actionName,
        code: args.code,
        runtime: args.runtime,
        main: args.main,
        web: args.web,
        limits: args.limits,
        parameters: pulumi.secret(args.parameters),
        qualifiedName: undefined,
        webUrl: undefined,
        codeSha256: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "parameters"] },
      "do-cost-guard",
      "FunctionsAction",
    );
  }
}
