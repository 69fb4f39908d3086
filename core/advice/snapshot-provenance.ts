/**
 * Snapshots kept on purpose (issue 14, point 11): the one clean-up takes before removing a
 * droplet or volume, and the one a person takes after the advisor said "snapshot, then destroy"
 * (or "… delete") for that same resource. Reporting either as waste the next day would undo the
 * advice that created it, so `snapshot-old` leaves them alone for `snapshotRetentionDays`.
 */
import { isCleanupSnapshotName } from "../cleanup/snapshot-name";
import type { ResourceRef, SnapshotFact } from "./types";

/** How every "keep a copy first" action starts; rules build theirs with {@link snapshotThen}. */
export const SNAPSHOT_FIRST_ACTION = "snapshot, then";

/** "snapshot, then destroy": the action text that makes a later snapshot of the resource deliberate. */
export function snapshotThen(what: string): string {
  return `${SNAPSHOT_FIRST_ACTION} ${what}`;
}

/** Why a snapshot exists on purpose, in words for a reason; undefined for an ordinary snapshot. */
export function snapshotPurpose(snapshot: SnapshotFact): string | undefined {
  if (isCleanupSnapshotName(snapshot.name)) return `taken by clean-up before removing its ${snapshot.resourceType}`;
  if (snapshot.advisedBy) return `taken after the advice to snapshot, then remove its ${snapshot.resourceType} (suggestion ${snapshot.advisedBy.suggestionId}, first given ${snapshot.advisedBy.advisedSince.slice(0, 10)})`;
  return undefined;
}

/** A suggestion as the store keeps it, as far as matching snapshots needs. */
export interface AdviceGiven {
  id: string;
  resource: ResourceRef;
  action: string;
  firstSeenAt: Date;
}

/** A snapshot matched to the "snapshot, then …" suggestion it followed. */
export interface AdvisedSnapshot {
  snapshotId: string;
  suggestionId: string;
  advisedSince: Date;
}

/**
 * The snapshots taken after a "snapshot, then …" suggestion for the same droplet or volume:
 * created no earlier than the suggestion was first given. One taken before the advice is an
 * ordinary snapshot (nobody was following the advice when they took it).
 */
export function findAdvisedSnapshots(snapshots: readonly SnapshotFact[], advice: readonly AdviceGiven[]): AdvisedSnapshot[] {
  const byResource = new Map<string, AdviceGiven>();
  for (const given of advice) {
    if (!given.action.startsWith(SNAPSHOT_FIRST_ACTION)) continue;
    const key = `${given.resource.kind}:${given.resource.id}`;
    const earlier = byResource.get(key);
    if (!earlier || given.firstSeenAt < earlier.firstSeenAt) byResource.set(key, given);
  }
  const found: AdvisedSnapshot[] = [];
  for (const snapshot of snapshots) {
    const given = byResource.get(`${snapshot.resourceType}:${snapshot.resourceId}`);
    const takenAt = Date.parse(snapshot.createdAt);
    if (given && !Number.isNaN(takenAt) && takenAt >= given.firstSeenAt.getTime()) {
      found.push({ snapshotId: snapshot.id, suggestionId: given.id, advisedSince: given.firstSeenAt });
    }
  }
  return found;
}
