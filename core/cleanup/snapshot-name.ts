/**
 * The name clean-up gives the snapshot it takes before destroying a droplet or deleting a volume,
 * in one place, because the advisor reads it back: such a snapshot is kept on purpose and is not
 * reported as old until `advice.snapshotRetentionDays` have passed (issue 14, point 11).
 */
import type { IsoDate } from "../calendar";

const MARKER = "-before-cleanup-";
const NAMED_BY_CLEANUP = /-before-cleanup-\d{4}-\d{2}-\d{2}$/;

/** `<resource name>-before-cleanup-<expires date>`, e.g. `load-test-rig-before-cleanup-2026-11-20`. */
export function cleanupSnapshotName(resourceName: string, expires: IsoDate): string {
  return `${resourceName}${MARKER}${expires}`;
}

/** True for a name {@link cleanupSnapshotName} produces. */
export function isCleanupSnapshotName(name: string): boolean {
  return NAMED_BY_CLEANUP.test(name);
}
