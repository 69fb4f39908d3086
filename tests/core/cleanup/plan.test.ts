/**
 * Mark → notice delivered → due, decided purely: a notice before every act, the act only
 * graceDays after the later of the date and the notice's delivery, the clock restarting with
 * the date, and never on a protected or denied resource (tags matched as DigitalOcean stores them).
 */
import {
  actOnDate,
  DEFAULT_CLEANUP_SETTINGS,
  noticeKey,
  planCleanup,
  stopReason,
  type CleanupCandidate,
  type CleanupDecision,
  type CleanupKnowledge,
} from "../../../core/cleanup/plan";

const NOW = new Date("2026-11-29T12:00:00Z");
const marked = (kind: CleanupCandidate["kind"], id: string, ...tags: string[]): CleanupCandidate => ({ kind, id, name: `${kind}-${id}`, tags });
const delivered = (entries: [CleanupCandidate["kind"], string, string, string][]): CleanupKnowledge => ({
  noticeDeliveredOn: new Map(entries.map(([kind, id, expires, on]) => [noticeKey(kind, id, expires), on])),
});
const none = delivered([]);

/** The decision's essentials: state, whether a notice is asked for, and the act-on date. */
function summary(decision: CleanupDecision): { state: string; sendNotice?: boolean; actOn?: string; action?: string } {
  switch (decision.state) {
    case "skipped":
      return { state: decision.state };
    case "marked":
      return { state: decision.state, sendNotice: decision.sendNotice, action: decision.action };
    default:
      return { state: decision.state, actOn: decision.actOn, action: decision.action };
  }
}

describe("planCleanup", () => {
  it.each<[string, CleanupCandidate, CleanupKnowledge, ReturnType<typeof summary> | undefined, string]>([
    ["unmarked", marked("droplet", "1", "env:prod"), none, undefined, ""],
    ["before the notice window: marked, no notice yet", marked("droplet", "2", "expires:2026-12-03"), none, { state: "marked", sendNotice: false, action: "snapshot-then-destroy" }, "notice from 2026-11-30"],
    ["first day of the notice window", marked("droplet", "3", "expires:2026-12-02"), none, { state: "marked", sendNotice: true, action: "snapshot-then-destroy" }, "expires in 3 days"],
    // The bug this fixes: long expired and first seen now is a notice, never an act.
    ["first seen long expired: notice, not act", marked("droplet", "4", "expires:2026-11-01"), none, { state: "marked", sendNotice: true, action: "snapshot-then-destroy" }, "no notice delivered yet, so no act before 2026-12-01"],
    ["notice delivered today, expired long ago: acts graceDays after delivery", marked("volume", "5", "expires:2026-11-01"), delivered([["volume", "5", "2026-11-01", "2026-11-29"]]), { state: "notice-delivered", actOn: "2026-12-01", action: "snapshot-then-delete" }, "notice sent 2026-11-29, acts on 2026-12-01"],
    ["notice delivered early: acts graceDays after the date", marked("droplet", "6", "expires:2026-11-28"), delivered([["droplet", "6", "2026-11-28", "2026-11-25"]]), { state: "notice-delivered", actOn: "2026-11-30", action: "snapshot-then-destroy" }, "acts on 2026-11-30"],
    ["due on the act-on day", marked("snapshot", "7", "expires:2026-11-20"), delivered([["snapshot", "7", "2026-11-20", "2026-11-27"]]), { state: "due", actOn: "2026-11-29", action: "delete" }, "notice sent 2026-11-27, acts on 2026-11-29"],
    ["a delivery for another date does not count: the clock restarts", marked("droplet", "8", "expires:2026-11-20"), delivered([["droplet", "8", "2026-11-10", "2026-11-08"]]), { state: "marked", sendNotice: true, action: "snapshot-then-destroy" }, "no notice delivered yet"],
    ["protected", marked("droplet", "9", "expires:2026-11-01", "protected"), delivered([["droplet", "9", "2026-11-01", "2026-11-01"]]), { state: "skipped" }, "tagged protected"],
    ["Protected, as DigitalOcean may store it", marked("droplet", "10", "expires:2026-11-01", "Protected"), delivered([["droplet", "10", "2026-11-01", "2026-11-01"]]), { state: "skipped" }, "tagged protected"],
    ["protected:<anything>", marked("droplet", "11", "expires:2026-11-01", "PROTECTED:until-q3"), none, { state: "skipped" }, "tagged protected"],
    ["Expires: key in another case", marked("droplet", "12", "Expires:2026-11-20"), delivered([["droplet", "12", "2026-11-20", "2026-11-27"]]), { state: "due", actOn: "2026-11-29", action: "snapshot-then-destroy" }, "acts on 2026-11-29"],
    ["unreadable date", marked("droplet", "13", "expires:2026-02-30"), none, { state: "skipped" }, "not one real date"],
    ["two different dates", marked("droplet", "14", "expires:2026-11-01", "EXPIRES:2026-12-01"), none, { state: "skipped" }, "not one real date"],
  ])("%s", (_what, candidate, knowledge, expected, reason) => {
    const decisions = planCleanup([candidate], NOW, DEFAULT_CLEANUP_SETTINGS, knowledge);
    if (expected === undefined) return expect(decisions).toEqual([]);
    expect(decisions.map(summary)).toEqual([expected]);
    expect(decisions[0]!.reason).toContain(reason);
  });

  it("never decides an act without a delivered notice, whatever the dates", () => {
    const candidates = Array.from({ length: 400 }, (_, i) => marked("droplet", String(i), `expires:${new Date(Date.UTC(2025, 0, 1) + i * 2 * 86_400_000).toISOString().slice(0, 10)}`));
    for (const settings of [DEFAULT_CLEANUP_SETTINGS, { ...DEFAULT_CLEANUP_SETTINGS, noticeDays: 0, graceDays: 0 }]) {
      expect(planCleanup(candidates, NOW, settings, none).filter((d) => d.state === "due" || d.state === "notice-delivered")).toEqual([]);
    }
  });

  it("honours the settings: deny list by id or name in any case, power-off for droplets, another tag key", () => {
    const settings = { ...DEFAULT_CLEANUP_SETTINGS, tagKey: "ttl", denyList: ["DROPLET-2"], dropletAction: "power-off" as const };
    const knowledge = delivered([["droplet", "1", "2026-11-01", "2026-11-01"]]);
    const decisions = planCleanup([marked("droplet", "1", "ttl:2026-11-01"), marked("droplet", "2", "TTL:2026-11-01"), marked("droplet", "3", "expires:2026-11-01")], NOW, settings, knowledge);
    expect(decisions.map((d) => [d.resource.id, d.state, d.state === "due" ? d.action : d.reason])).toEqual([
      ["1", "due", "power-off"],
      ["2", "skipped", "on the clean-up deny list"],
    ]);
  });

  it.each([
    ["2026-11-20", "2026-11-18", 2, "2026-11-22"],
    ["2026-11-20", "2026-11-25", 2, "2026-11-27"],
    ["2026-11-20", "2026-11-20", 0, "2026-11-20"],
  ])("actOnDate(%s, delivered %s, grace %d) = %s", (expires, on, grace, expected) => {
    expect(actOnDate(expires, on, grace)).toBe(expected);
  });
});

describe("stopReason: the re-read right before a write", () => {
  const expires = "2026-11-20";
  it.each<[string, CleanupCandidate | null, { state: string; reason: string } | null]>([
    ["unchanged", marked("droplet", "1", "expires:2026-11-20"), null],
    ["gone", null, { state: "skipped", reason: "it no longer exists" }],
    ["Protected added", marked("droplet", "1", "expires:2026-11-20", "Protected"), { state: "skipped", reason: "it is now tagged protected" }],
    ["date moved later: the clock restarts", marked("droplet", "1", "expires:2026-12-31"), { state: "marked", reason: "its expires: date changed to 2026-12-31 (was 2026-11-20): the clock starts again with a new notice" }],
    ["tag removed", marked("droplet", "1", "env:prod"), { state: "skipped", reason: "its expires: tag was removed" }],
  ])("%s", (_what, fresh, expected) => {
    expect(stopReason(expires, fresh, DEFAULT_CLEANUP_SETTINGS)).toEqual(expected);
  });
});
