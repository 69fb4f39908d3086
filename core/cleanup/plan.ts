/**
 * Safe clean-up, decided purely: mark → notice delivered → due → act, after Cloud Custodian's
 * `mark-for-op`, with the owner always hearing first. A resource carries `expires:YYYY-MM-DD`.
 * From `noticeDays` before that date its owners get a notice; the act is allowed only from
 * `graceDays` after the later of the date and the day that notice was delivered (accepted by
 * at least one recipient, not just queued). A resource first seen long expired therefore gets
 * its notice first and is acted on `graceDays` later, never on sight. Notices are per date, so
 * changing the date starts the clock again. All dates are UTC.
 *
 * This module only decides, from the tags and what the store knows (when a notice for which
 * date was delivered); the tracker's executor records each step once and writes only in apply
 * mode. The state names are core/cleanup/states.ts's.
 *
 * Only what DigitalOcean lets us tag can be marked: droplets, images (snapshots), volumes and
 * volume snapshots (tags_resource `resource_type` enum in the OpenAPI spec). Load balancers and
 * reserved IPs carry no tags, so they are left to the advisor's idle/unassigned rules.
 */
import { addDays, daysBetween, isoDate, parseIsoDate, type IsoDate } from "../calendar";
import { hasTagName, tagValuesOf } from "../tags";
import type { CleanupAction, DropletCleanupAction } from "./states";

export type { CleanupAction, DropletCleanupAction } from "./states";
export type CleanupKind = "droplet" | "volume" | "snapshot";

export interface CleanupSettings {
  /** Tag key whose value is the expiry date; `expires` reads `expires:2026-12-01` (any case). */
  tagKey: string;
  /** Days before the expiry date when the notice goes out. */
  noticeDays: number;
  /** Days after the later of the expiry date and the notice's delivery before acting: time to read the notice. */
  graceDays: number;
  /** A resource tagged this (any case, bare or `name:<anything>`) is never acted on, whatever its expiry. */
  protectedTag: string;
  /** Resource ids or names never acted on (any case). */
  denyList: readonly string[];
  /** Destroy (after a snapshot) or only power off an expired droplet. */
  dropletAction: DropletCleanupAction;
}

/** Defaults from issue 10 (notice 3 days ahead, act 2 days after), chosen 2026-11-29. */
export const DEFAULT_CLEANUP_SETTINGS: Readonly<CleanupSettings> = Object.freeze({
  tagKey: "expires",
  noticeDays: 3,
  graceDays: 2,
  protectedTag: "protected",
  denyList: [],
  dropletAction: "snapshot-then-destroy",
});

/** Something that may carry an expiry tag. */
export interface CleanupCandidate {
  kind: CleanupKind;
  id: string;
  name: string;
  tags: readonly string[];
}

/** What the store knows that the tags do not: when a notice (not a preview) was first delivered, per resource and date. */
export interface CleanupKnowledge {
  /** UTC delivery date by {@link noticeKey}. */
  noticeDeliveredOn: ReadonlyMap<string, IsoDate>;
}

export const NO_KNOWLEDGE: CleanupKnowledge = Object.freeze({ noticeDeliveredOn: new Map<string, IsoDate>() });

/** The key of a resource's notice for one expiry date. */
export function noticeKey(kind: CleanupKind, id: string, expires: IsoDate): string {
  return `${kind}:${id}:${expires}`;
}

/** The first day the notice for `expires` goes out. */
export function noticeFrom(expires: IsoDate, noticeDays: number): IsoDate {
  return addDays(expires, -noticeDays);
}

/** The first day an act is allowed: `graceDays` after the later of the expiry date and the notice's delivery. */
export function actOnDate(expires: IsoDate, noticeDeliveredOn: IsoDate, graceDays: number): IsoDate {
  return addDays(expires > noticeDeliveredOn ? expires : noticeDeliveredOn, graceDays);
}

/**
 * Where one marked resource stands, what is due, and the reason in words that name the dates
 * ("notice sent 2026-11-29, acts on 2026-12-01"). `sendNotice` asks the executor for the notice
 * (it records it once per date; a queued, undelivered one is not sent again).
 */
export type CleanupDecision =
  | { resource: CleanupCandidate; state: "skipped"; expires: IsoDate | null; reason: string }
  | { resource: CleanupCandidate; state: "marked"; expires: IsoDate; sendNotice: boolean; action: CleanupAction; noticeFrom: IsoDate; reason: string }
  | { resource: CleanupCandidate; state: "notice-delivered"; expires: IsoDate; action: CleanupAction; noticeDeliveredOn: IsoDate; actOn: IsoDate; reason: string }
  | { resource: CleanupCandidate; state: "due"; expires: IsoDate; action: CleanupAction; noticeDeliveredOn: IsoDate; actOn: IsoDate; reason: string };

const ACTION_OF: Record<Exclude<CleanupKind, "droplet">, CleanupAction> = { volume: "snapshot-then-delete", snapshot: "delete" };

/** The action clean-up takes on a resource of this kind. */
export function actionFor(kind: CleanupKind, settings: Pick<CleanupSettings, "dropletAction">): CleanupAction {
  return kind === "droplet" ? settings.dropletAction : ACTION_OF[kind];
}

/** The expiry date a resource's tags set; `null` when the tag's value is not one real date, undefined when untagged. */
export function expiryOf(tags: readonly string[], tagKey: string): IsoDate | null | undefined {
  const values = tagValuesOf(tags, tagKey);
  if (values.length === 0) return undefined;
  // Two different dates are a mistake to surface, not to resolve by guessing which one was meant.
  const dates = new Set(values);
  if (dates.size > 1) return null;
  const [date] = dates as Set<string>;
  try {
    parseIsoDate(date!);
    return date!;
  } catch {
    return null;
  }
}

/** Why clean-up leaves a resource alone whatever its date: protected or on the deny list; null when neither. */
function exemption(resource: CleanupCandidate, settings: CleanupSettings): string | null {
  if (hasTagName(resource.tags, settings.protectedTag)) return `tagged ${settings.protectedTag}`;
  const denied = new Set(settings.denyList.map((entry) => entry.toLowerCase()));
  if (denied.has(resource.id.toLowerCase()) || denied.has(resource.name.toLowerCase())) return "on the clean-up deny list";
  return null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function whenExpires(today: IsoDate, expires: IsoDate): string {
  const daysLeft = daysBetween(today, expires);
  if (daysLeft > 0) return `expires in ${plural(daysLeft, "day")} (${expires})`;
  return daysLeft === 0 ? `expires today (${expires})` : `expired ${expires}`;
}

/** The decision for one candidate at `today`; undefined when it carries no expiry tag. */
function decide(resource: CleanupCandidate, today: IsoDate, settings: CleanupSettings, knowledge: CleanupKnowledge): CleanupDecision | undefined {
  const expires = expiryOf(resource.tags, settings.tagKey);
  if (expires === undefined) return undefined;
  if (expires === null) {
    return { resource, state: "skipped", expires, reason: `its ${settings.tagKey}: tag is not one real date like ${settings.tagKey}:${addDays(today, 7)}` };
  }
  const exempt = exemption(resource, settings);
  if (exempt) return { resource, state: "skipped", expires, reason: exempt };
  const action = actionFor(resource.kind, settings);
  const from = noticeFrom(expires, settings.noticeDays);
  if (today < from) return { resource, state: "marked", expires, sendNotice: false, action, noticeFrom: from, reason: `${whenExpires(today, expires)}; notice from ${from}` };
  const deliveredOn = knowledge.noticeDeliveredOn.get(noticeKey(resource.kind, resource.id, expires));
  if (deliveredOn === undefined) {
    const earliest = actOnDate(expires, today, settings.graceDays);
    return {
      resource, state: "marked", expires, sendNotice: true, action, noticeFrom: from,
      reason: `${whenExpires(today, expires)}; no notice delivered yet, so no act before ${earliest} (${plural(settings.graceDays, "day")} after delivery, not before the date)`,
    };
  }
  const actOn = actOnDate(expires, deliveredOn, settings.graceDays);
  const reason = `${whenExpires(today, expires)}; notice sent ${deliveredOn}, acts on ${actOn}`;
  if (today < actOn) return { resource, state: "notice-delivered", expires, action, noticeDeliveredOn: deliveredOn, actOn, reason };
  return { resource, state: "due", expires, action, noticeDeliveredOn: deliveredOn, actOn, reason };
}

/**
 * Where each marked candidate stands at `now`, from its tags and the notice deliveries the
 * store knows. Unmarked resources are not in the result; protected, denied and unreadable
 * marks are `skipped` so a dry run shows them.
 */
export function planCleanup(candidates: readonly CleanupCandidate[], now: Date, settings: CleanupSettings = DEFAULT_CLEANUP_SETTINGS, knowledge: CleanupKnowledge = NO_KNOWLEDGE): CleanupDecision[] {
  const today = isoDate(now);
  return candidates.flatMap((resource) => decide(resource, today, settings, knowledge) ?? []);
}

/** Why a write must not be sent, and where that leaves the resource: its clock restarted (`marked`) or left alone (`skipped`). */
export interface StopReason {
  reason: string;
  state: "marked" | "skipped";
}

/**
 * Why a write planned for the date `expires` must not be sent now that the resource reads as
 * `fresh` (re-fetched just before the write; null when it no longer exists): gone, newly
 * protected or denied, or its date changed or unreadable. Null when the write may go ahead.
 */
export function stopReason(expires: IsoDate, fresh: CleanupCandidate | null, settings: CleanupSettings): StopReason | null {
  if (fresh === null) return { reason: "it no longer exists", state: "skipped" };
  const exempt = exemption(fresh, settings);
  if (exempt) return { reason: `it is now ${exempt}`, state: "skipped" };
  const current = expiryOf(fresh.tags, settings.tagKey);
  if (current === expires) return null;
  if (current === undefined) return { reason: `its ${settings.tagKey}: tag was removed`, state: "skipped" };
  if (current === null) return { reason: `its ${settings.tagKey}: tag no longer reads as one date`, state: "skipped" };
  return { reason: `its ${settings.tagKey}: date changed to ${current} (was ${expires}): the clock starts again with a new notice`, state: "marked" };
}
