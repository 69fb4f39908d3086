/**
 * The fakes the provider tests share: the OpenAPI-validated DigitalOcean API and a fake
 * OpenWhisk that every namespace's `api_host` points at, plus deps aimed at both with
 * millisecond retries.
 */
import { DigitalOceanClient } from "../../../../functions/src/digitalocean/client";
import { openWhiskClientForNamespace, type ProviderDeps } from "../../../../functions/deploy/providers/credentials";
import { startFakeDigitalOcean, type FakeDigitalOcean } from "../../../support/fake-do-api";
import { startFakeOpenWhisk, type FakeOpenWhisk } from "../../../support/fake-openwhisk";

export interface ProviderHarness {
  digitalOcean: FakeDigitalOcean;
  openWhisk: FakeOpenWhisk;
  /** Deps as the providers receive them; `timeoutMs` bounds each HTTP attempt. */
  deps(timeoutMs?: number): ProviderDeps;
  /**
   * The next DigitalOcean request with this method reaches the fake and is applied, but its
   * answer is lost and the client sees a timeout: a create that happened without our knowing.
   */
  loseNextAnswerTo(method: string): void;
  /** Points every namespace the DigitalOcean fake knows (including new ones) at the OpenWhisk fake. */
  connectNamespaces(): void;
  close(): Promise<void>;
}

export async function startProviderHarness(): Promise<ProviderHarness> {
  const digitalOcean = await startFakeDigitalOcean({ token: "dop_v1_provider_test_token" });
  const openWhisk = await startFakeOpenWhisk();
  const connectNamespaces = () => {
    for (const namespace of digitalOcean.state.namespaces) {
      namespace.api_host = openWhisk.url;
      openWhisk.addNamespace({ namespace: namespace.namespace!, uuid: namespace.uuid!, key: namespace.key! });
    }
  };
  connectNamespaces();
  let loseAnswerTo: string | undefined;
  const lossyFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (loseAnswerTo === undefined || (init?.method ?? "GET").toUpperCase() !== loseAnswerTo) return response;
    loseAnswerTo = undefined;
    await response.text();
    throw Object.assign(new Error("the answer was lost"), { name: "TimeoutError" });
  };
  return {
    digitalOcean,
    openWhisk,
    connectNamespaces,
    loseNextAnswerTo(method) {
      loseAnswerTo = method.toUpperCase();
    },
    deps(timeoutMs = 2_000) {
      const client = new DigitalOceanClient({ token: digitalOcean.token, baseUrl: digitalOcean.url, fetch: lossyFetch, timeoutMs, retryBaseDelayMs: 1, maxRetryDelayMs: 5 });
      return {
        digitalOcean: () => client,
        openWhisk: (namespaceId) => openWhiskClientForNamespace(client, namespaceId, { timeoutMs, retryBaseDelayMs: 1, maxRetryDelayMs: 5 }),
      };
    },
    async close() {
      await Promise.all([digitalOcean.close(), openWhisk.close()]);
    },
  };
}

/** Every credential the fakes hold, for "never echoed" assertions. */
export function secretsOf(harness: ProviderHarness): string[] {
  return [harness.digitalOcean.token, ...harness.digitalOcean.state.namespaces.map((namespace) => namespace.key!)];
}

/** The message of what `promise` rejects with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as Error).message ?? error);
  }
  throw new Error("expected a rejection");
}
