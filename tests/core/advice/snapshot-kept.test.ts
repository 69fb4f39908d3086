/**
 * Snapshots kept on purpose are not waste (issue 14, point 11): one clean-up took, or one taken
 * after a "snapshot, then …" suggestion for the same resource, is not `snapshot-old` until the
 * retention has passed, and then the reason says how old it is and why it was kept. Each case
 * sits beside its twin, differing in the one fact the rule decides on.
 */
import { findAdvisedSnapshots, resolveAdviceSettings, type AdviceGiven, type AdviceSettings, type SnapshotFact } from "../../../core/advice";
import { snapshotOld } from "../../../core/advice/rules/snapshot-old";
import { cleanupSnapshotName, isCleanupSnapshotName } from "../../../core/cleanup/snapshot-name";
import { defaultCatalog as catalog } from "../../../core/pricing";
import { daysAgo, INVENTORY, NOW, UTILISATION } from "./account-fixture";

const ADVICE = { suggestionId: "droplet-powered-off:droplet:999", advisedSince: daysAgo(40) };
/** A 20 GiB snapshot of droplet 999, which no longer exists (so an ordinary one is reported as orphaned). */
const snapshot = (name: string, ageDays: number, fields: Partial<SnapshotFact> = {}): SnapshotFact => ({
  id: "snap-case", name, sizeGiB: 20, createdAt: daysAgo(ageDays), resourceType: "droplet", resourceId: "999", tags: [], ...fields,
});

/** name, the snapshot, settings changed from the defaults, and the reason it must be reported with (null: not reported). */
const CASES: [string, SnapshotFact, Partial<AdviceSettings>, RegExp | null][] = [
  ["clean-up's snapshot of a destroyed droplet, 10 days old", snapshot(cleanupSnapshotName("load-test-rig", "2026-11-19"), 10), {}, null],
  ["  twin: an ordinary snapshot of a destroyed droplet, 10 days old", snapshot("before-teardown", 10), {}, /^its droplet 999 no longer exists; 20 GiB costs/],
  ["clean-up's snapshot on the retention's last day (30 days)", snapshot(cleanupSnapshotName("load-test-rig", "2026-10-30"), 30), {}, null],
  [
    "  twin: clean-up's snapshot a day past the retention (31 days)",
    snapshot(cleanupSnapshotName("load-test-rig", "2026-10-29"), 31),
    {},
    /^taken by clean-up before removing its droplet 31 days ago, kept 30 days on purpose \(now past\); its droplet 999 no longer exists; 20 GiB/,
  ],
  ["snapshot taken after the advice to snapshot, then destroy, 5 days old", snapshot("old-batch-final", 5, { advisedBy: ADVICE }), {}, null],
  ["  twin: the same snapshot with no such advice", snapshot("old-batch-final", 5), {}, /^its droplet 999 no longer exists/],
  [
    "an advised snapshot past a shorter configured retention (7 days)",
    snapshot("old-batch-final", 10, { advisedBy: ADVICE }),
    { snapshotRetentionDays: 7 },
    /^taken after the advice to snapshot, then remove its droplet \(suggestion droplet-powered-off:droplet:999, first given 2026-10-20\) 10 days ago, kept 7 days on purpose \(now past\)/,
  ],
  ["  twin: the same snapshot under the default retention", snapshot("old-batch-final", 10, { advisedBy: ADVICE }), {}, null],
  ["a kept snapshot older than the age limit but within a longer retention", snapshot(cleanupSnapshotName("ledger", "2026-08-01"), 100, { resourceId: "104" }), { snapshotRetentionDays: 120 }, null],
  ["  twin: an ordinary snapshot of that age", snapshot("nightly-2026-08", 100, { resourceId: "104" }), { snapshotRetentionDays: 120 }, /^100 days old \(> 90\); 20 GiB/],
  ["a name that only mentions clean-up is an ordinary snapshot", snapshot("notes-before-cleanup-plan", 10), {}, /^its droplet 999 no longer exists/],
];

describe("snapshot-old spares snapshots kept on purpose until the retention has passed", () => {
  it.each(CASES)("%s", (_name, fact, overrides, reason) => {
    const found = snapshotOld.evaluate({ inventory: { ...INVENTORY, snapshots: [fact] }, utilisation: UTILISATION, now: NOW, catalog, settings: resolveAdviceSettings(overrides) });
    if (reason === null) {
      expect(found).toEqual([]);
      return;
    }
    expect(found).toHaveLength(1);
    expect(found[0]!.reason).toMatch(reason);
    expect(found[0]!.monthlySavingsUsd).toBe(20 * catalog.data.snapshots.usdPerGiBMonth);
  });

  it("defaults the retention to 30 days", () => {
    expect(resolveAdviceSettings().snapshotRetentionDays).toBe(30);
  });

  it("recognises exactly the names clean-up gives", () => {
    expect(isCleanupSnapshotName(cleanupSnapshotName("orders-data", "2026-12-01"))).toBe(true);
    expect(isCleanupSnapshotName("orders-data-before-cleanup")).toBe(false);
    expect(isCleanupSnapshotName("orders-data-before-cleanup-2026-12-01-copy")).toBe(false);
  });
});

describe("findAdvisedSnapshots", () => {
  const given = (id: string, kind: "droplet" | "volume", resourceId: string, action: string, firstSeenDaysAgo: number): AdviceGiven => ({
    id, resource: { kind, id: resourceId, name: resourceId }, action, firstSeenAt: new Date(daysAgo(firstSeenDaysAgo)),
  });
  const ADVICE_GIVEN = [
    given("droplet-powered-off:droplet:101", "droplet", "101", "snapshot, then destroy", 10),
    given("volume-unattached:volume:vol-old", "volume", "vol-old", "snapshot, then delete", 10),
    given("droplet-idle-downsize:droplet:103", "droplet", "103", "resize to s-1vcpu-2gb", 10),
  ];
  const CASES_FOUND: [string, SnapshotFact, string | null][] = [
    ["a droplet snapshot taken after its snapshot-then-destroy advice", snapshot("a", 5, { id: "s1", resourceId: "101" }), "droplet-powered-off:droplet:101"],
    ["  twin: one taken before the advice was given", snapshot("a", 12, { id: "s1", resourceId: "101" }), null],
    ["a volume snapshot taken after its snapshot-then-delete advice", snapshot("b", 3, { id: "s2", resourceType: "volume", resourceId: "vol-old" }), "volume-unattached:volume:vol-old"],
    ["  twin: a volume snapshot of another volume", snapshot("b", 3, { id: "s2", resourceType: "volume", resourceId: "vol-used" }), null],
    ["a snapshot after advice that asked for no snapshot (resize)", snapshot("c", 5, { id: "s3", resourceId: "103" }), null],
    ["  twin: the same resource id but a volume, not the advised droplet", snapshot("c", 5, { id: "s3", resourceType: "volume", resourceId: "101" }), null],
  ];
  it.each(CASES_FOUND)("%s", (_name, fact, suggestionId) => {
    const found = findAdvisedSnapshots([fact], ADVICE_GIVEN);
    expect(found.map((f) => f.suggestionId)).toEqual(suggestionId === null ? [] : [suggestionId]);
  });
});
