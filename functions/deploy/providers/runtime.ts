/**
 * The entry point bundled into every serialized Functions provider: the three providers wired
 * to clients that read `DIGITALOCEAN_TOKEN` when each method runs.
 */
import { actionProvider } from "./action-provider";
import { environmentDeps } from "./credentials";
import { namespaceProvider } from "./namespace-provider";
import { triggerProvider } from "./trigger-provider";

/** The providers by kind, as the serialized shell looks them up. */
export const providers = {
  namespace: namespaceProvider(environmentDeps),
  action: actionProvider(environmentDeps),
  trigger: triggerProvider(environmentDeps),
};
