/**
 * `cleanup`: acts on resources whose `expires:` date has passed (core/cleanup/plan decides).
 * Dry-run by default: reads only, and reports what apply would do. Apply needs a second,
 * write-scoped client; every notice and action is claimed in the store before it happens, so
 * concurrent runs act once, and a request whose answer was lost is checked, never repeated.
 */
import type { RunDeadline } from "../../../core/deadline";
import { planCleanup, type CleanupAction, type CleanupCandidate, type CleanupDecision, type CleanupSettings } from "../../../core/cleanup/plan";
import { DigitalOceanApiError, type DigitalOceanClient } from "../digitalocean/client";
import type { NotificationMessage } from "../notify/message";
import { deliverPending, keyedNotifications, type DeliveryResult, type Transports } from "../notify/outbox";
import type { AdviceStore, CleanupState } from "../store/advice-store";
import type { CostStore } from "../store/cost-store";
import type { TrackerConfig } from "./config";

export type CleanupReader = Pick<DigitalOceanClient, "listDroplets" | "listVolumes" | "listSnapshots" | "resourceExists">;
export type CleanupWriter = Pick<DigitalOceanClient, "postDropletAction" | "getAction" | "createVolumeSnapshot" | "deleteResource">;

export interface CleanupDeps {
  read: CleanupReader;
  /** Present only in apply mode: a client with the write-scoped token, built without retries. */
  write?: CleanupWriter;
  store: AdviceStore;
  settings: CleanupSettings;
  now: Date;
  sleep?: (ms: number) => Promise<void>;
  /** The run's deadline: long waits (snapshot polls) stop at its margin, leaving the step for the next run. */
  deadline?: RunDeadline;
}

/** What a run did or would do for one resource. */
export interface CleanupOutcome {
  resource: { kind: string; id: string; name: string };
  action: CleanupAction | "notice" | "skip";
  /**
   * `planned` (dry-run), `notified` (a notice claimed now: the caller delivers it), `done`,
   * `failed` (refused: nothing happened; retried next run), `unconfirmed` (the answer was lost
   * and the resource is still there: a person checks; never sent again), `skipped`, or
   * `already-handled` (another run has this step).
   */
  state: "planned" | "notified" | CleanupState | "skipped" | "already-handled";
  reason: string;
  /** The expiry date the step is for (absent for a re-checked earlier step). */
  expires?: string;
}

export interface CleanupReport {
  version: 1;
  mode: "dry-run" | "apply";
  actions: CleanupOutcome[];
}

/** Polls a droplet action to completion: a destroy must not start while its snapshot is being taken. */
const ACTION_POLLS = 60;
const ACTION_POLL_MS = 5_000;

async function candidates(read: CleanupReader): Promise<CleanupCandidate[]> {
  const [droplets, volumes, snapshots] = await Promise.all([read.listDroplets(), read.listVolumes(), read.listSnapshots()]);
  return [
    ...droplets.map((d) => ({ kind: "droplet" as const, id: String(d.id), name: d.name, tags: d.tags })),
    ...volumes.map((v) => ({ kind: "volume" as const, id: v.id ?? "", name: v.name ?? "", tags: v.tags ?? [] })),
    ...snapshots.map((s) => ({ kind: "snapshot" as const, id: s.id, name: s.name, tags: s.tags ?? [] })),
  ];
}

/** Where a failed write leaves the resource: refused (nothing happened), gone already, or unknown. */
function verdictOf(error: unknown): { state: CleanupState; gone?: boolean; detail: string; requestId: string | null } {
  const api = error instanceof DigitalOceanApiError ? error : undefined;
  const requestId = api?.requestId ?? null;
  if (api?.status === 404) return { state: "done", gone: true, detail: "already gone (404)", requestId };
  // A 4xx (429 included) is a refusal: DigitalOcean did nothing, so a later run may try again.
  const status = api?.status ?? undefined;
  if (status !== undefined && status >= 400 && status < 500) return { state: "failed", detail: `refused: ${status} ${api?.id}`, requestId };
  return { state: "unconfirmed", detail: `no clear answer (${api ? `${api.status ?? ""} ${api.id}`.trim() : (error as Error).message}): left for a person to check`, requestId };
}

async function awaitAction(write: CleanupWriter, actionId: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  for (let poll = 0; poll < ACTION_POLLS; poll++) {
    const action = await write.getAction(actionId);
    if (action.status === "completed") return;
    if (action.status === "errored") throw new Error(`action ${actionId} errored`);
    await sleep(ACTION_POLL_MS);
  }
  throw new Error(`action ${actionId} still in progress after ${(ACTION_POLLS * ACTION_POLL_MS) / 1000} s`);
}

/** Runs one due action; returns the request id to audit (the action or snapshot that preceded the delete). */
async function perform(write: CleanupWriter, decision: Extract<CleanupDecision, { step: "act" }>, sleep: (ms: number) => Promise<void>): Promise<string | null> {
  const { resource, action, expires } = decision;
  const snapshotName = `${resource.name}-before-cleanup-${expires}`;
  switch (action) {
    case "power-off": {
      const off = await write.postDropletAction(resource.id, { type: "power_off" });
      await awaitAction(write, off.id, sleep);
      return `action ${off.id}`;
    }
    case "snapshot-then-destroy": {
      const snapshot = await write.postDropletAction(resource.id, { type: "snapshot", name: snapshotName });
      await awaitAction(write, snapshot.id, sleep);
      await write.deleteResource("droplet", resource.id);
      return `action ${snapshot.id}`;
    }
    case "snapshot-then-delete": {
      const snapshot = await write.createVolumeSnapshot(resource.id, snapshotName);
      await write.deleteResource("volume", resource.id);
      return `snapshot ${snapshot.id}`;
    }
    case "delete":
      await write.deleteResource("snapshot", resource.id);
      return null;
  }
}

/** One clean-up run: re-checks lost answers, then notices and (in apply mode) actions, each once. */
export async function cleanup(deps: CleanupDeps): Promise<CleanupReport> {
  const { read, write, store, now } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const outcomes: CleanupOutcome[] = [];

  // A delete whose answer was lost: gone means it worked; still there means a person decides.
  for (const record of await store.cleanupRecords(["unconfirmed"])) {
    const kind = record.resourceKind as CleanupCandidate["kind"];
    const gone = !(await read.resourceExists(kind, record.resourceId));
    if (gone) await store.updateCleanupStep(record.id, { state: "done", detail: "confirmed gone on a later run" }, now);
    outcomes.push({
      resource: { kind, id: record.resourceId, name: record.resourceName },
      action: record.step as CleanupAction,
      state: gone ? "done" : "unconfirmed",
      reason: gone ? "an earlier request's answer was lost; the resource is gone, so it worked" : "an earlier request's answer was lost and the resource still exists: check it by hand; do-cost-guard never sends a second destroy",
    });
  }

  for (const decision of planCleanup(await candidates(read), now, deps.settings)) {
    const resource = { kind: decision.resource.kind, id: decision.resource.id, name: decision.resource.name };
    if (decision.step === "skip") {
      outcomes.push({ resource, action: "skip", state: "skipped", reason: decision.reason });
      continue;
    }
    const step = decision.step === "notice" ? "notice" : decision.action;
    if (decision.step === "act" && !write) {
      outcomes.push({ resource, action: decision.action, state: "planned", reason: `${decision.reason}; dry-run: nothing was changed` });
      continue;
    }
    const claim = await store.claimCleanupStep({ resourceKind: resource.kind, resourceId: resource.id, resourceName: resource.name, step, expires: decision.expires }, now);
    if (claim === undefined) {
      outcomes.push({ resource, action: step, state: "already-handled", reason: `${decision.reason}; recorded by an earlier or concurrent run` });
      continue;
    }
    if (decision.step === "notice") {
      await store.updateCleanupStep(claim, { state: "done", detail: decision.reason }, now);
      outcomes.push({ resource, action: "notice", state: "notified", reason: decision.reason, expires: decision.expires });
      continue;
    }
    await store.updateCleanupStep(claim, { state: "requested" }, now);
    try {
      const requestId = await perform(write!, decision, sleep);
      await store.updateCleanupStep(claim, { state: "done", requestId, detail: decision.reason }, now);
      outcomes.push({ resource, action: decision.action, state: "done", reason: decision.reason });
    } catch (error) {
      const verdict = verdictOf(error);
      await store.updateCleanupStep(claim, { state: verdict.state, requestId: verdict.requestId, detail: verdict.detail }, now);
      outcomes.push({ resource, action: decision.action, state: verdict.state, reason: `${decision.reason}; ${verdict.detail}` });
    }
  }
  return { version: 1, mode: write ? "apply" : "dry-run", actions: outcomes };
}

/** The one message a resource's owners get before it is cleaned up. */
export function renderCleanupNotice(outcome: CleanupOutcome, settings: CleanupSettings & { apply: boolean }, dashboardUrl?: string): NotificationMessage {
  const { kind, id, name } = outcome.resource;
  return {
    type: "cleanup_notice",
    title: `Clean-up notice: ${kind} ${name} (${outcome.expires ?? "expiry"})`,
    summary: `${kind} ${name} (${id}) ${outcome.reason}. ${settings.apply ? "do-cost-guard will act then." : "Clean-up runs as a dry run: nothing will be changed until it is applied."}`,
    facts: [
      { label: "Resource", value: `${kind} ${name} (${id})` },
      { label: "Expires", value: outcome.expires ?? "unknown" },
      { label: "Keep it", value: `change its ${settings.tagKey}: tag, or tag it ${settings.protectedTag}` },
    ],
    sections: [],
    ...(dashboardUrl ? { link: { label: "Open the cost dashboard", url: dashboardUrl } } : {}),
    data: { kind, id, name, expires: outcome.expires ?? null, apply: settings.apply },
  };
}

/**
 * Queues and sends the notices a run claimed to the config's default recipients; each has its
 * own outbox key (resource and expiry date), so a notice is sent once even if a run is repeated.
 */
export async function sendCleanupNotices(costs: CostStore, report: CleanupReport, config: TrackerConfig, transports: Transports, now: Date): Promise<DeliveryResult> {
  const notices = report.actions.filter((a) => a.state === "notified");
  for (const notice of notices) {
    const key = `cleanup-notice:${notice.resource.kind}:${notice.resource.id}:${notice.expires ?? ""}`;
    await costs.enqueueNotifications(keyedNotifications(key, config.recipients, renderCleanupNotice(notice, config.cleanup, config.dashboardUrl)), now);
  }
  return deliverPending(costs, transports, now);
}

