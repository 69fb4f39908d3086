/**
 * `cleanup`: runs the clean-up state machine (core/cleanup/states.ts) over the account. The
 * pure planner (core/cleanup/plan.ts) decides from the tags and from when each notice was
 * delivered; this module records every step once in the store's audit and does it.
 *
 * - Notices go through the outbox: the audit row and its outbox rows are written in one
 *   transaction, and a notice counts only once the outbox has delivered it to one recipient.
 *   A run that dies after queuing leaves the rows for the next delivery to send, once.
 * - Three modes. `apply` (a write-scoped client) sends notices and acts. `preview` (the deployed
 *   task with apply off) sends preview notices, which say so and never count. `dry-run` (the CLI
 *   without --apply) sends nothing and reports the notices it would send.
 * - Every write is preceded by a fresh read of the resource: a changed date, a new `protected`
 *   tag or a resource gone stops the step. A 4xx after a snapshot was taken, a snapshot that
 *   cannot be confirmed, or a lost answer leaves the resource `needs-attention`, never retried.
 * - Before each act and each snapshot poll the run's deadline is checked; a step cut short
 *   stays `requested` with its progress, and the next run re-checks it and carries on.
 */
import { isoDate, type IsoDate } from "../../../core/calendar";
import {
  actOnDate,
  planCleanup,
  stopReason,
  type CleanupCandidate,
  type CleanupDecision,
  type CleanupKind,
  type CleanupSettings,
} from "../../../core/cleanup/plan";
import {
  CLEANUP_ACTION_WORDS,
  NOTICE_STEP,
  PREVIEW_NOTICE_STEP,
  stateOfActStep,
  type CleanupAction,
  type CleanupRunResult,
  type CleanupState,
  type CleanupStep,
  type CleanupStepState,
} from "../../../core/cleanup/states";
import { cleanupSnapshotName } from "../../../core/cleanup/snapshot-name";
import { NO_DEADLINE, type RunDeadline } from "../../../core/deadline";
import { DEFAULT_REQUEST_TIMEOUT_MS, DigitalOceanApiError, type DigitalOceanClient } from "../digitalocean/client";
import type { NotificationMessage } from "../notify/message";
import { aboutSubject, type MessageSubject } from "../notify/render";
import { deliverAllPending, keyedNotifications, type DeliveryOptions, type DeliveryResult, type Transports } from "../notify/outbox";
import type { AdviceStore, CleanupMarkInput, CleanupRecord } from "../store/advice-store";
import { teamKeyPrefix, type CostStore } from "../store/cost-store";
import type { AlertRecipients } from "../store/types";

export type CleanupReader = Pick<DigitalOceanClient, "listDroplets" | "listVolumes" | "listSnapshots" | "getDroplet" | "getVolume" | "getSnapshot">;
export type CleanupWriter = Pick<DigitalOceanClient, "postDropletAction" | "getAction" | "createVolumeSnapshot" | "deleteResource">;

/** Who hears about clean-up, and the link their notices carry. */
export interface CleanupAudience {
  recipients: AlertRecipients;
  dashboardUrl?: string;
  /** The team the resources belong to, named in every notice (a deployment with teams); none for a single team. */
  subject?: MessageSubject;
}

/** How notices are sent: the outbox, in the store, and the channels it delivers through. */
export interface CleanupSending {
  outbox: CostStore;
  transports: Transports;
  delivery?: DeliveryOptions;
}

export interface CleanupDeps {
  read: CleanupReader;
  /** Present only in apply mode: a client with the write-scoped token, built without retries. */
  write?: CleanupWriter;
  store: AdviceStore;
  settings: CleanupSettings;
  audience: CleanupAudience;
  /** Absent: nothing is sent (the CLI's dry run), and the report lists what would be. Required with `write`. */
  send?: CleanupSending;
  now: Date;
  sleep?: (ms: number) => Promise<void>;
  /** The run's deadline: no act or snapshot poll starts that it does not leave time for. */
  deadline?: RunDeadline;
}

/** `apply` acts; `preview` sends preview notices only; `dry-run` sends nothing. */
export type CleanupMode = "apply" | "preview" | "dry-run";

/** Where one resource stands after a run, and what the run did about it. */
export interface CleanupOutcome {
  resource: { kind: CleanupKind; id: string; name: string };
  state: CleanupState;
  /** What this run did (core/cleanup/states.ts CLEANUP_RUN_RESULTS). */
  run: CleanupRunResult;
  /** The step that is next or was worked on: a notice, a preview, or the action; null when none is. */
  step: CleanupStep | null;
  expires: IsoDate | null;
  /** The UTC date the counting notice was delivered; null until it is. */
  noticeSentOn: IsoDate | null;
  /** The first day clean-up may act; null until the notice is delivered. */
  actsOn: IsoDate | null;
  /** In words, with the dates: "expired 2026-11-20; notice sent 2026-11-29, acts on 2026-12-01". */
  reason: string;
}

/** A notice a dry run would have sent: the CLI prints it instead. */
export interface UnsentNotice {
  resource: { kind: CleanupKind; id: string; name: string };
  recipients: number;
  title: string;
  summary: string;
}

/** `cleanup --json`, version 2 (version 1 had no lifecycle state, dates or unsent notices). */
export interface CleanupReport {
  version: 2;
  mode: CleanupMode;
  actions: CleanupOutcome[];
  /** Dry run only: each notice an applied run would send now. */
  wouldSend: UnsentNotice[];
  /** What the outbox delivered at the end of the run; null when nothing is sent. */
  delivery: DeliveryResult | null;
  /** Set when the run stopped at its deadline: what was left, and that the next run carries on. */
  stoppedAtDeadline: string | null;
}

/** Polls a droplet action to completion: a destroy must not start while its snapshot is being taken. */
const ACTION_POLLS = 60;
const ACTION_POLL_MS = 5_000;
/** Time an act needs before its first write: the re-read and the write, each up to one request timeout. */
const ACT_START_MS = 2 * DEFAULT_REQUEST_TIMEOUT_MS;
/**
 * A `requested` row untouched this long belongs to a dead run and may be taken over: DigitalOcean
 * Functions stops an action after at most 15 minutes (docs.digitalocean.com/products/functions/details/limits, read 2026-12-06).
 */
const STALE_STEP_MS = 15 * 60_000;

/** How far an action got: nothing sent yet, a droplet action (snapshot or power-off) to follow, or a volume snapshot taken. */
type Progress = { phase: "start" } | { phase: "droplet-action"; actionId: number } | { phase: "volume-snapshot"; snapshotId: string };

function progressId(progress: Progress): string | null {
  if (progress.phase === "droplet-action") return `action ${progress.actionId}`;
  return progress.phase === "volume-snapshot" ? `snapshot ${progress.snapshotId}` : null;
}

/** The progress an audit row's request id records; null when the row says nothing (the first answer never arrived). */
function progressOf(requestId: string | null): Progress | null {
  const action = /^action (\d+)$/.exec(requestId ?? "");
  if (action) return { phase: "droplet-action", actionId: Number(action[1]) };
  const snapshot = /^snapshot (\S+)$/.exec(requestId ?? "");
  return snapshot ? { phase: "volume-snapshot", snapshotId: snapshot[1]! } : null;
}

async function listCandidates(read: CleanupReader): Promise<CleanupCandidate[]> {
  const [droplets, volumes, snapshots] = await Promise.all([read.listDroplets(), read.listVolumes(), read.listSnapshots()]);
  return [
    ...droplets.map((d) => ({ kind: "droplet" as const, id: String(d.id), name: d.name, tags: d.tags })),
    ...volumes.map((v) => ({ kind: "volume" as const, id: v.id ?? "", name: v.name ?? "", tags: v.tags ?? [] })),
    ...snapshots.map((s) => ({ kind: "snapshot" as const, id: s.id, name: s.name, tags: s.tags ?? [] })),
  ];
}

/** The resource as DigitalOcean has it now; null once it is gone (404). */
async function refetch(read: CleanupReader, kind: CleanupKind, id: string): Promise<CleanupCandidate | null> {
  try {
    if (kind === "droplet") {
      const d = await read.getDroplet(id);
      return { kind, id: String(d.id), name: d.name, tags: d.tags };
    }
    if (kind === "volume") {
      const v = await read.getVolume(id);
      return { kind, id: v.id ?? id, name: v.name ?? "", tags: v.tags ?? [] };
    }
    const s = await read.getSnapshot(id);
    return { kind, id: s.id, name: s.name, tags: s.tags ?? [] };
  } catch (error) {
    if (error instanceof DigitalOceanApiError && error.status === 404) return null;
    throw error;
  }
}

const describe = (error: unknown): string =>
  error instanceof DigitalOceanApiError ? `${error.status ?? ""} ${error.id}`.trim() : (error as Error).message;
const isRefusal = (error: unknown): error is DigitalOceanApiError =>
  error instanceof DigitalOceanApiError && error.status !== null && error.status >= 400 && error.status < 500;

/** One action being carried out: a fresh claim, or a step an earlier run left `requested`. */
interface ActJob {
  claimId: number;
  resource: { kind: CleanupKind; id: string; name: string };
  action: CleanupAction;
  expires: IsoDate;
  progress: Progress;
  resumed: boolean;
}

/** How an act ended for this run: the audit state it leaves, why, and where a stop leaves the resource. */
interface ActResult {
  state: CleanupStepState;
  detail: string;
  /** Only for `stopped`: the date changed (`marked`: the clock restarts) or clean-up leaves it (`skipped`). */
  stoppedAs?: CleanupState;
}

/** Everything a run shares while it works. */
interface Run {
  deps: CleanupDeps;
  mode: CleanupMode;
  deadline: RunDeadline;
  sleep: (ms: number) => Promise<void>;
  /** Acts not started, and steps left mid-way, because the deadline came first. */
  deferred: number;
  leftMidway: string[];
}

/** Why an act is left `requested` for the next run, and counts it. */
function leaveForNextRun(run: Run, job: ActJob, why: string): ActResult {
  run.leftMidway.push(`${job.resource.kind} ${job.resource.name} (${progressId(job.progress) ?? job.action})`);
  return { state: "requested", detail: `${why}; the next run re-checks ${progressId(job.progress) ?? "it"} and carries on` };
}

/** Follows a droplet action: completed, or why the act cannot go on now (left for the next run) or at all (a person looks). */
async function awaitAction(run: Run, job: ActJob, actionId: number): Promise<"completed" | ActResult> {
  const write = run.deps.write!;
  for (let poll = 0; poll < ACTION_POLLS; poll++) {
    if (!run.deadline.allows((poll > 0 ? ACTION_POLL_MS : 0) + DEFAULT_REQUEST_TIMEOUT_MS)) return leaveForNextRun(run, job, `stopped at the run's deadline while action ${actionId} was under way`);
    if (poll > 0) await run.sleep(ACTION_POLL_MS);
    let status: string;
    try {
      status = (await write.getAction(actionId)).status;
    } catch (error) {
      // Not found is not done: DigitalOcean does not know the action, so no snapshot can be assumed.
      if (error instanceof DigitalOceanApiError && error.status === 404) return { state: "needs-attention", detail: `DigitalOcean does not know action ${actionId} (404): whether the snapshot exists is unknown, so nothing more is done` };
      return leaveForNextRun(run, job, `action ${actionId} could not be read (${describe(error)})`);
    }
    if (status === "completed") return "completed";
    if (status === "errored") return { state: "needs-attention", detail: `action ${actionId} errored: no snapshot to restore from, so nothing more is done` };
  }
  return leaveForNextRun(run, job, `action ${actionId} still in progress after ${(ACTION_POLLS * ACTION_POLL_MS) / 1000} s`);
}

/**
 * Carries an action on from where `job.progress` says, re-reading the resource before every
 * write, and returns where it ends. Never throws for DigitalOcean's answers: each is a state.
 */
async function carryOut(run: Run, job: ActJob): Promise<ActResult> {
  const { read, write, store, settings, now } = run.deps;
  const { kind, id, name } = job.resource;
  const audit = (state: CleanupStepState, detail?: string) => store.updateCleanupStep(job.claimId, { state, requestId: progressId(job.progress), ...(detail ? { detail } : {}) }, now);
  const snapshotRef = () => (job.progress.phase === "start" ? "" : `; ${progressId(job.progress)} kept`);
  try {
    if (job.progress.phase === "start") {
      const fresh = await refetch(read, kind, id);
      const stop = stopReason(job.expires, fresh, settings);
      if (stop) return { state: "stopped", detail: `re-read before the first write: ${stop.reason}; nothing was done`, stoppedAs: stop.state };
      await audit("requested");
      const snapshotName = cleanupSnapshotName(name, job.expires);
      switch (job.action) {
        case "power-off":
          job.progress = { phase: "droplet-action", actionId: (await write!.postDropletAction(id, { type: "power_off" })).id };
          break;
        case "snapshot-then-destroy":
          job.progress = { phase: "droplet-action", actionId: (await write!.postDropletAction(id, { type: "snapshot", name: snapshotName })).id };
          break;
        case "snapshot-then-delete": {
          const snapshot = await write!.createVolumeSnapshot(id, snapshotName);
          if (typeof snapshot?.id !== "string" || snapshot.id === "") {
            return { state: "needs-attention", detail: "the volume-snapshot answer carried no snapshot id: the volume is not deleted without a snapshot to restore from" };
          }
          job.progress = { phase: "volume-snapshot", snapshotId: snapshot.id };
          break;
        }
        case "delete":
          await write!.deleteResource("snapshot", id);
          return { state: "done", detail: "deleted" };
      }
      await audit("requested");
    }
    if (job.progress.phase === "droplet-action") {
      const followed = await awaitAction(run, job, job.progress.actionId);
      if (followed !== "completed") return followed;
      if (job.action === "power-off") return { state: "done", detail: `powered off (action ${job.progress.actionId})` };
    }
    // A snapshot exists: re-read, then destroy or delete.
    if (!run.deadline.allows(ACT_START_MS)) return leaveForNextRun(run, job, "stopped at the run's deadline before the destroy");
    let fresh: CleanupCandidate | null;
    try {
      fresh = await refetch(read, kind, id);
    } catch (error) {
      return leaveForNextRun(run, job, `could not re-read it before the destroy (${describe(error)})`);
    }
    if (fresh === null) return { state: "done", detail: `gone when re-read before the destroy${job.resumed ? " (the earlier run's request went through, or someone removed it)" : ""}${snapshotRef()}` };
    const stop = stopReason(job.expires, fresh, settings);
    if (stop) return { state: "stopped", detail: `re-read before the destroy: ${stop.reason}; nothing destroyed${snapshotRef()}`, stoppedAs: stop.state };
    await write!.deleteResource(kind, id);
    return { state: "done", detail: `${kind === "droplet" ? "destroyed" : "deleted"} after ${progressId(job.progress)}` };
  } catch (error) {
    const api = error instanceof DigitalOceanApiError ? error : undefined;
    const request = api?.requestId ? ` (request ${api.requestId})` : "";
    if (api?.status === 404) {
      return job.progress.phase === "start"
        ? { state: "stopped", detail: `it no longer exists (404)${request}; nothing was done`, stoppedAs: "skipped" }
        : { state: "done", detail: `already gone (404)${request}${snapshotRef()}` };
    }
    if (isRefusal(error)) {
      // A refused write stops the sequence. Refused at the first write nothing changed, so a
      // later run may try again; refused after a snapshot, trying again daily would take a new
      // snapshot each day (a volume still attached is refused every time): a person decides.
      if (job.progress.phase === "start") return { state: "failed", detail: `refused: ${describe(error)}${request}; nothing changed, a later run tries again` };
      return { state: "needs-attention", detail: `refused after the snapshot: ${describe(error)}${request}${snapshotRef()}; not retried` };
    }
    return { state: "unconfirmed", detail: `no clear answer (${describe(error)})${request}: left for a person to check; do-cost-guard never sends a second destroy` };
  }
}

/** Runs an act to where it ends this run and records it; where it leaves the resource, for the report. */
async function act(run: Run, job: ActJob, why: string): Promise<{ step: CleanupStepState; state: CleanupState; reason: string }> {
  const result = await carryOut(run, job);
  await run.deps.store.updateCleanupStep(job.claimId, { state: result.state, requestId: progressId(job.progress), detail: result.detail }, run.deps.now);
  return { step: result.state, state: result.stoppedAs ?? stateOfActStep(result.state), reason: `${why}; ${result.detail}` };
}

/**
 * Steps earlier runs left open: `requested` ones (stopped at a deadline or killed) are taken
 * over by exactly one run and carried on; `unconfirmed` and `needs-attention` ones are only
 * re-read: gone means done, kept by a person (date changed, protected) closes them.
 */
async function recheckEarlierSteps(run: Run, report: CleanupOutcome[]): Promise<void> {
  const { read, store, now } = run.deps;
  const staleBefore = new Date(now.getTime() - STALE_STEP_MS);
  for (const record of await store.cleanupRecords(["requested", "unconfirmed", "needs-attention"])) {
    if (record.step === NOTICE_STEP || record.step === PREVIEW_NOTICE_STEP || record.step === "legacy-notice") continue;
    const resource = { kind: record.resourceKind, id: record.resourceId, name: record.resourceName };
    const base = { resource, step: record.step, expires: record.expires, noticeSentOn: null, actsOn: null };
    const progress = progressOf(record.requestId);
    if (record.state === "requested" && progress !== null) {
      if (!run.deps.write) {
        report.push({ ...base, state: "due", run: "requested", reason: `an earlier run stopped during this step (${record.requestId}); an applied run carries it on` });
        continue;
      }
      if (!(await store.takeOverCleanupStep(record.id, staleBefore, now))) continue;
      const job: ActJob = { claimId: record.id, resource, action: record.step, expires: record.expires, progress, resumed: true };
      const done = await act(run, job, `carried on from an earlier run (${record.requestId})`);
      report.push({ ...base, state: done.state, run: done.step, reason: done.reason });
      continue;
    }
    // `requested` without progress: the first answer never arrived, so whether it happened is unknown.
    if (record.state === "requested" && !(await store.takeOverCleanupStep(record.id, staleBefore, now))) continue;
    const fresh = await refetch(read, resource.kind, resource.id);
    if (fresh === null) {
      await store.updateCleanupStep(record.id, { state: "done", detail: "confirmed gone on a later run" }, now);
      report.push({ ...base, state: "acted", run: "done", reason: "an earlier step's outcome was unclear; the resource is gone, so it is done" });
      continue;
    }
    const kept = stopReason(record.expires, fresh, run.deps.settings);
    if (kept) {
      // A person resolved it by keeping the resource; the planner reports it from here on.
      await store.updateCleanupStep(record.id, { state: "stopped", detail: `kept by a person: ${kept.reason}` }, now);
      continue;
    }
    const why =
      record.state === "requested"
        ? "an earlier run stopped after sending this step's first request, and its answer is unknown"
        : record.state === "unconfirmed"
          ? "an earlier request's answer was lost"
          : (record.detail ?? "an earlier step was refused");
    if (record.state === "requested") await store.updateCleanupStep(record.id, { state: "unconfirmed", detail: `${why}: left for a person to check` }, now);
    report.push({ ...base, state: "needs-attention", run: record.state === "requested" ? "unconfirmed" : record.state, reason: `${why}; the resource still exists: check it by hand (do-cost-guard never sends a second destroy)` });
  }
}

/** The notice for a marked resource, as an applied run sends it or as a preview (apply off), which says it never counts. */
export function renderCleanupNotice(
  decision: Extract<CleanupDecision, { state: "marked" }>,
  settings: CleanupSettings,
  kind: "notice" | "preview",
  now: Date,
  dashboardUrl?: string,
): NotificationMessage {
  const { kind: resourceKind, id, name } = decision.resource;
  const words = CLEANUP_ACTION_WORDS[decision.action];
  const earliest = actOnDate(decision.expires, isoDate(now), settings.graceDays);
  const days = `${settings.graceDays} day${settings.graceDays === 1 ? "" : "s"}`;
  const keep = `change its ${settings.tagKey}: tag to a later date, or tag it ${settings.protectedTag}`;
  const preview = kind === "preview";
  return {
    type: "cleanup_notice",
    title: `${preview ? "[Preview] " : ""}Clean-up notice: ${resourceKind} ${name} expires ${decision.expires}`,
    summary: preview
      ? `Preview only: clean-up runs as a dry run (cleanup.apply is off), so nothing will be changed and this preview does not count as the notice before an act. ` +
        `Once apply is on, ${resourceKind} ${name} (${id}), tagged ${settings.tagKey}:${decision.expires}, first gets a real notice, and do-cost-guard would ${words} it no earlier than ${days} after that notice is delivered.`
      : `${resourceKind} ${name} (${id}) is tagged ${settings.tagKey}:${decision.expires}. do-cost-guard will ${words} it on or after ${earliest}: ${days} after this notice is delivered, and not before that date. To keep it, ${keep}.`,
    facts: [
      { label: "Resource", value: `${resourceKind} ${name} (${id})` },
      { label: "Expires", value: decision.expires },
      { label: preview ? "Would" : "Will", value: words },
      { label: preview ? "Acts" : "Acts on or after", value: preview ? "never while apply is off" : earliest },
      { label: "Keep it", value: keep },
    ],
    sections: [],
    ...(dashboardUrl ? { link: { label: "Open the cost dashboard", url: dashboardUrl } } : {}),
    data: { kind: resourceKind, id, name, expires: decision.expires, action: decision.action, preview, actsOnOrAfter: preview ? null : earliest },
  };
}

/** A notice for a marked resource: queued through the outbox (apply, preview), or only described (dry run). */
async function notice(run: Run, decision: Extract<CleanupDecision, { state: "marked" }>, unsent: UnsentNotice[]): Promise<{ run: CleanupRunResult; step: CleanupStep; note: string }> {
  const { store, settings, audience, now } = run.deps;
  const { kind, id, name } = decision.resource;
  const step = run.mode === "apply" ? NOTICE_STEP : PREVIEW_NOTICE_STEP;
  const recipients = audience.recipients.email.length + audience.recipients.slack.length + audience.recipients.webhook.length;
  if (run.mode === "dry-run") {
    const message = aboutSubject(renderCleanupNotice(decision, settings, "notice", now, audience.dashboardUrl), audience.subject);
    unsent.push({ resource: { kind, id, name }, recipients, title: message.title, summary: message.summary });
    return { run: "would-send", step: NOTICE_STEP, note: "dry run: the notice is not sent" };
  }
  if (recipients === 0) return { run: "none", step, note: "no recipients to send the preview to" };
  const message = aboutSubject(renderCleanupNotice(decision, settings, run.mode === "apply" ? "notice" : "preview", now, audience.dashboardUrl), audience.subject);
  // Resource ids are DigitalOcean's, unique across teams, but the outbox's keys carry the team like every other (store/cost-store teamKeyPrefix).
  const notifications = keyedNotifications(`${teamKeyPrefix(store.team)}cleanup-${step}:${kind}:${id}:${decision.expires}`, audience.recipients, message);
  const queued = await store.queueCleanupNotice({ resourceKind: kind, resourceId: id, resourceName: name, step, expires: decision.expires }, notifications, now);
  if (queued !== undefined) return { run: "notice-queued", step, note: step === NOTICE_STEP ? "notice queued" : "preview queued (it does not count as the notice before an act)" };
  return { run: "notice-pending", step, note: step === NOTICE_STEP ? "notice queued earlier, not yet accepted by any recipient" : "preview sent or queued earlier" };
}

/** Where one decision leads this run. */
async function follow(run: Run, decision: CleanupDecision, unsent: UnsentNotice[]): Promise<CleanupOutcome> {
  const resource = { kind: decision.resource.kind, id: decision.resource.id, name: decision.resource.name };
  const base = { resource, expires: decision.expires, noticeSentOn: null, actsOn: null };
  switch (decision.state) {
    case "skipped":
      return { ...base, state: "skipped", run: "none", step: null, reason: decision.reason };
    case "marked": {
      if (!decision.sendNotice) return { ...base, state: "marked", run: "none", step: null, reason: decision.reason };
      const sent = await notice(run, decision, unsent);
      return { ...base, state: "marked", run: sent.run, step: sent.step, reason: `${decision.reason}; ${sent.note}` };
    }
    case "notice-delivered":
      return { ...base, state: "notice-delivered", run: "none", step: decision.action, noticeSentOn: decision.noticeDeliveredOn, actsOn: decision.actOn, reason: decision.reason };
    case "due":
      break;
  }
  const dates = { noticeSentOn: decision.noticeDeliveredOn, actsOn: decision.actOn };
  const due = { ...base, ...dates, step: decision.action };
  const { store, now } = run.deps;
  if (run.mode !== "apply") return { ...due, state: "due", run: "planned", reason: `${decision.reason}; ${run.mode}: nothing is changed` };
  if (!run.deadline.allows(ACT_START_MS)) {
    run.deferred++;
    return { ...due, state: "due", run: "deferred", reason: `${decision.reason}; the run's deadline came first: the next run acts` };
  }
  const key = { resourceKind: resource.kind, resourceId: resource.id, resourceName: resource.name, step: decision.action, expires: decision.expires };
  const claim = await store.claimCleanupStep(key, now);
  if (claim === undefined) {
    const record: CleanupRecord | undefined = await store.cleanupRecord(key);
    const state = record ? stateOfActStep(record.state) : "due";
    return { ...due, state, run: "already-handled", reason: `${decision.reason}; ${record?.detail ?? "recorded by an earlier or concurrent run"}` };
  }
  const job: ActJob = { claimId: claim, resource, action: decision.action, expires: decision.expires, progress: { phase: "start" }, resumed: false };
  const done = await act(run, job, decision.reason);
  return { ...due, state: done.state, run: done.step, reason: done.reason };
}

/**
 * One clean-up run: carries on or re-checks what earlier runs left open, plans every marked
 * resource from its tags and the delivered notices, queues notices, acts (apply mode) on what
 * is due, records where each resource stands, and delivers the outbox.
 */
export async function cleanup(deps: CleanupDeps): Promise<CleanupReport> {
  const { read, write, store, settings, audience, now } = deps;
  const mode: CleanupMode = write ? "apply" : deps.send ? "preview" : "dry-run";
  if (write && !deps.send) throw new Error("clean-up in apply mode needs a way to send notices: nothing is acted on before its notice is delivered");
  if (write && audience.recipients.email.length + audience.recipients.slack.length + audience.recipients.webhook.length === 0) {
    throw new Error("clean-up in apply mode needs recipients: nothing is acted on before its notice reached someone (set recipients in the config)");
  }
  const run: Run = { deps, mode, deadline: deps.deadline ?? NO_DEADLINE, sleep: deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))), deferred: 0, leftMidway: [] };
  const actions: CleanupOutcome[] = [];
  const wouldSend: UnsentNotice[] = [];

  await recheckEarlierSteps(run, actions);
  const rechecked = new Set(actions.map((a) => `${a.resource.kind}:${a.resource.id}:${a.expires}`));
  const decisions = planCleanup(await listCandidates(read), now, settings, { noticeDeliveredOn: await store.noticeDeliveries() });
  for (const decision of decisions) {
    const outcome = await follow(run, decision, wouldSend);
    if (!rechecked.has(`${outcome.resource.kind}:${outcome.resource.id}:${outcome.expires}`) || outcome.run !== "already-handled") actions.push(outcome);
  }

  // The latest word on each resource (a carried-on step may be followed by its resource's decision).
  const marks = new Map<string, CleanupMarkInput>();
  for (const a of actions) {
    const action = a.step === null || a.step === NOTICE_STEP || a.step === PREVIEW_NOTICE_STEP ? null : a.step;
    marks.set(`${a.resource.kind}:${a.resource.id}`, { resource: a.resource, state: a.state, expires: a.expires, action: action ?? decisionAction(decisions, a), reason: a.reason });
  }
  await store.recordCleanupMarks([...marks.values()], settings.graceDays, now);

  const delivery = deps.send ? await deliverAllPending(deps.send.outbox, deps.send.transports, now, deps.send.delivery, run.deadline, DEFAULT_REQUEST_TIMEOUT_MS) : null;
  const stoppedAtDeadline =
    run.deferred + run.leftMidway.length === 0
      ? null
      : `stopped at the run's deadline: ${run.deferred} act(s) not started${run.leftMidway.length ? `, ${run.leftMidway.length} left mid-way (${run.leftMidway.join(", ")})` : ""}; the next run carries on from there`;
  return { version: 2, mode, actions, wouldSend, delivery, stoppedAtDeadline };
}

/** The action a marked resource's decision names (for the dashboard's "acts: snapshot, then destroy"). */
function decisionAction(decisions: readonly CleanupDecision[], outcome: CleanupOutcome): CleanupAction | null {
  const decision = decisions.find((d) => d.resource.kind === outcome.resource.kind && d.resource.id === outcome.resource.id);
  return decision && decision.state !== "skipped" ? decision.action : null;
}
