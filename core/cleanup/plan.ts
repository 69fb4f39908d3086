/**
 * Safe clean-up, decided purely: mark → notice → act, after Cloud Custodian's `mark-for-op`.
 * A resource carries `expires:YYYY-MM-DD`; within `noticeDays` of that date its owners get one
 * notice, and from `graceDays` after it the action is due. This module only decides; the
 * tracker's executor records each step exactly once and sends write requests only in apply mode.
 *
 * Only what DigitalOcean lets us tag can be marked: droplets, images (snapshots), volumes and
 * volume snapshots (tags_resource `resource_type` enum in the OpenAPI spec). Load balancers and
 * reserved IPs carry no tags, so they are left to the advisor's idle/unassigned rules.
 */
import { addDays, daysBetween, isoDate, parseIsoDate, type IsoDate } from "../calendar";
import { parseTag } from "../tags";

export type CleanupKind = "droplet" | "volume" | "snapshot";
export type DropletCleanupAction = "snapshot-then-destroy" | "power-off";
export type CleanupAction = DropletCleanupAction | "snapshot-then-delete" | "delete";

export interface CleanupSettings {
  /** Tag key whose value is the expiry date; `expires` reads `expires:2026-12-01`. */
  tagKey: string;
  /** Days before the expiry date when the one notice goes out. */
  noticeDays: number;
  /** Days after the expiry date before acting: time to notice the notice. */
  graceDays: number;
  /** A resource with this tag is never acted on, whatever its expiry. */
  protectedTag: string;
  /** Resource ids or names never acted on. */
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

/** What is due for one resource now. `notice` and an action are each recorded once by the executor. */
export type CleanupDecision =
  | { resource: CleanupCandidate; step: "notice"; expires: IsoDate; actOn: IsoDate; reason: string }
  | { resource: CleanupCandidate; step: "act"; action: CleanupAction; expires: IsoDate; reason: string }
  | { resource: CleanupCandidate; step: "skip"; expires: IsoDate | null; reason: string };

const ACTION_OF: Record<Exclude<CleanupKind, "droplet">, CleanupAction> = { volume: "snapshot-then-delete", snapshot: "delete" };

/** The expiry date a resource's tags set; `null` when the tag's value is not a real date, undefined when untagged. */
function expiryOf(tags: readonly string[], tagKey: string): IsoDate | null | undefined {
  const values = tags.map(parseTag).filter((tag) => tag.key === tagKey && tag.value !== null);
  if (values.length === 0) return undefined;
  // Two different dates are a mistake to surface, not to resolve by guessing which one was meant.
  const dates = new Set(values.map((tag) => tag.value as string));
  if (dates.size > 1) return null;
  const [date] = dates;
  try {
    parseIsoDate(date);
    return date;
  } catch {
    return null;
  }
}

/**
 * What is due for each marked candidate at `now`: nothing before the notice window, a notice
 * inside it, the action from `graceDays` after the date; protected, denied and unreadable marks
 * are reported as skipped so a dry run shows them. Unmarked resources are not in the result.
 */
export function planCleanup(candidates: readonly CleanupCandidate[], now: Date, settings: CleanupSettings = DEFAULT_CLEANUP_SETTINGS): CleanupDecision[] {
  const today = isoDate(now);
  const decisions: CleanupDecision[] = [];
  for (const resource of candidates) {
    const expires = expiryOf(resource.tags, settings.tagKey);
    if (expires === undefined) continue;
    if (expires === null) {
      decisions.push({ resource, step: "skip", expires, reason: `its ${settings.tagKey}: tag is not one real date like ${settings.tagKey}:${addDays(today, 7)}` });
      continue;
    }
    const actOn = addDays(expires, settings.graceDays);
    const daysLeft = daysBetween(today, expires);
    if (daysLeft > settings.noticeDays) continue;
    if (resource.tags.includes(settings.protectedTag)) {
      decisions.push({ resource, step: "skip", expires, reason: `tagged ${settings.protectedTag}` });
    } else if (settings.denyList.includes(resource.id) || settings.denyList.includes(resource.name)) {
      decisions.push({ resource, step: "skip", expires, reason: "on the clean-up deny list" });
    } else if (today >= actOn) {
      const action = resource.kind === "droplet" ? settings.dropletAction : ACTION_OF[resource.kind];
      decisions.push({ resource, step: "act", action, expires, reason: `expired ${expires}, ${daysBetween(expires, today)} days ago (grace ${settings.graceDays} days)` });
    } else {
      const when = daysLeft > 0 ? `expires in ${daysLeft} day${daysLeft === 1 ? "" : "s"} (${expires})` : `expired ${expires}`;
      decisions.push({ resource, step: "notice", expires, actOn, reason: `${when}; clean-up on ${actOn} unless the tag is changed or ${settings.protectedTag} is added` });
    }
  }
  return decisions;
}
