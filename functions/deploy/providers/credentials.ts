/**
 * Where the Functions providers get their credentials: the DigitalOcean token from the
 * environment of the process running the provider method, and the OpenWhisk `uuid:key` of a
 * namespace from the DigitalOcean API at the moment it is needed. Neither is ever a resource
 * input, so neither lands in Pulumi state or in the serialized provider.
 */
import { DigitalOceanClient, type DigitalOceanClientOptions } from "../../src/digitalocean/client";
import { OpenWhiskClient, type OpenWhiskClientOptions } from "./openwhisk";

/** The environment variables the providers read, at run time, inside each method. */
export interface DigitalOceanCredentials {
  /** `DIGITALOCEAN_TOKEN`; needs the `function:*` scopes to manage namespaces, actions and triggers. */
  token: string;
  /** `DIGITALOCEAN_API_URL`, for a proxy or a test double; DigitalOcean's own API when absent. */
  apiUrl: string | undefined;
}

/** Reads the token (and optional API URL) from `env`; the error names the variable, never a value. */
export function readDigitalOceanCredentials(env: NodeJS.ProcessEnv = process.env): DigitalOceanCredentials {
  const token = env.DIGITALOCEAN_TOKEN?.trim();
  if (!token) {
    throw new Error("DIGITALOCEAN_TOKEN is not set: the DigitalOcean Functions providers need a token with function:* scopes in the environment of `pulumi up`");
  }
  const apiUrl = env.DIGITALOCEAN_API_URL?.trim() || undefined;
  if (apiUrl !== undefined && !URL.canParse(apiUrl)) {
    throw new Error(`DIGITALOCEAN_API_URL must be an absolute URL (got ${JSON.stringify(apiUrl)})`);
  }
  return { token, apiUrl };
}

/** The one place the providers build their DigitalOcean client. */
export function digitalOceanClientFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  options: Omit<DigitalOceanClientOptions, "token" | "baseUrl"> = {},
): DigitalOceanClient {
  const { token, apiUrl } = readDigitalOceanCredentials(env);
  return new DigitalOceanClient({ ...options, token, baseUrl: apiUrl });
}

/**
 * An OpenWhisk client for one namespace, with the namespace's `api_host`, `uuid` and `key`
 * fetched from DigitalOcean now, so the key only ever lives in memory for this call.
 */
export async function openWhiskClientForNamespace(
  digitalOcean: DigitalOceanClient,
  namespaceId: string,
  options: Omit<OpenWhiskClientOptions, "apiHost" | "namespace" | "uuid" | "key"> = {},
): Promise<OpenWhiskClient> {
  const namespace = await digitalOcean.getNamespace(namespaceId);
  const missing = (["api_host", "uuid", "key"] as const).filter((field) => !namespace[field]);
  if (missing.length > 0) {
    throw new Error(`DigitalOcean namespace ${namespaceId} came back without ${missing.join(", ")}; cannot reach its OpenWhisk API`);
  }
  return new OpenWhiskClient({
    ...options,
    apiHost: namespace.api_host!,
    namespace: namespace.namespace ?? namespaceId,
    uuid: namespace.uuid!,
    key: namespace.key!,
  });
}

/** What every provider method needs; tests pass clients aimed at the fakes. */
export interface ProviderDeps {
  digitalOcean(): DigitalOceanClient;
  openWhisk(namespaceId: string): Promise<OpenWhiskClient>;
}

/**
 * Deps that read the environment when each method runs (not when the provider is built or
 * serialized), so the token never sits in a closure that Pulumi writes into state.
 */
export function environmentDeps(): ProviderDeps {
  return {
    digitalOcean: () => digitalOceanClientFromEnvironment(),
    openWhisk: (namespaceId) => openWhiskClientForNamespace(digitalOceanClientFromEnvironment(), namespaceId),
  };
}
