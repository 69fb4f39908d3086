/**
 * How the Functions providers survive Pulumi's closure serialization. Pulumi stores a dynamic
 * provider as the source text of its functions and evaluates that text in a separate plain-Node
 * process, so a provider that captured the DigitalOcean client class would break there (its
 * `#private` fields and `super` calls do not survive being cut out of the class), and one that
 * required project `.ts` files would find no TypeScript loader. Instead the providers are bundled
 * with esbuild into one self-contained CommonJS text, and the serialized provider is a thin
 * shell whose only captures are that text and the provider kind: no paths, no environment, no
 * token.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import type { providers } from "./runtime";

/** Which provider of `runtime.ts` a shell forwards to. */
export type ProviderKind = keyof typeof providers;

let bundle: string | undefined;

/** The esbuild bundle of `runtime.ts` (built once per process, ~50 KB of JavaScript). */
export function providerBundle(): string {
  if (bundle === undefined) {
    const result = buildSync({
      entryPoints: [path.join(__dirname, "runtime.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      write: false,
      logLevel: "silent",
      legalComments: "none",
    });
    bundle = result.outputFiles[0]!.text;
  }
  return bundle;
}

const shells = new Map<ProviderKind, pulumi.dynamic.ResourceProvider>();

/**
 * The dynamic provider for `kind`, safe to serialize: each method evaluates the bundle and
 * forwards to the real provider. One object per kind, so Pulumi serializes each only once.
 */
export function serializableProvider(kind: ProviderKind): pulumi.dynamic.ResourceProvider {
  const cached = shells.get(kind);
  if (cached) return cached;
  const code = providerBundle();
  const load = (): pulumi.dynamic.ResourceProvider => {
    // Evaluated in Pulumi's provider process, where only Node's built-in modules are certain.
    const NodeModule = require("node:module");
    const compiled = new NodeModule("do-cost-guard-functions-providers");
    compiled._compile(code, "do-cost-guard-functions-providers.js");
    return compiled.exports.providers[kind];
  };
  const shell: pulumi.dynamic.ResourceProvider = {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => {
      const provider = load();
      if (!provider.update) return Promise.reject(new Error(`a Functions ${kind} is replaced, never updated in place`));
      return provider.update(id, olds, news);
    },
    delete: (id, props) => load().delete!(id, props),
  };
  shells.set(kind, shell);
  return shell;
}
