/** Mark → notice → act, decided purely: each step on its day, and never on a protected or denied resource. */
import { DEFAULT_CLEANUP_SETTINGS, planCleanup, type CleanupCandidate } from "../../../core/cleanup/plan";

const NOW = new Date("2026-11-29T12:00:00Z");
const marked = (kind: CleanupCandidate["kind"], id: string, ...tags: string[]): CleanupCandidate => ({ kind, id, name: `${kind}-${id}`, tags });

describe("planCleanup", () => {
  it.each([
    // [what, candidate, expected step, expected action or reason fragment]
    ["not yet in the notice window", marked("droplet", "1", "expires:2026-12-03"), undefined, undefined],
    ["first day of the notice window", marked("droplet", "2", "expires:2026-12-02"), "notice", "expires in 3 days"],
    ["expired but inside the grace", marked("volume", "3", "expires:2026-11-28"), "notice", "clean-up on 2026-11-30"],
    ["grace over: droplet", marked("droplet", "4", "expires:2026-11-27"), "act", "snapshot-then-destroy"],
    ["grace over: volume", marked("volume", "5", "expires:2026-11-01"), "act", "snapshot-then-delete"],
    ["grace over: snapshot", marked("snapshot", "6", "expires:2026-11-27"), "act", "delete"],
    ["protected", marked("droplet", "7", "expires:2026-11-01", "protected"), "skip", "tagged protected"],
    ["unreadable date", marked("droplet", "8", "expires:2026-02-30"), "skip", "not one real date"],
    ["two different dates", marked("droplet", "9", "expires:2026-11-01", "expires:2026-12-01"), "skip", "not one real date"],
    ["unmarked", marked("droplet", "10", "env:prod"), undefined, undefined],
  ])("%s", (_what, candidate, step, detail) => {
    const decisions = planCleanup([candidate], NOW);
    if (step === undefined) return expect(decisions).toEqual([]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0].step).toBe(step);
    expect(decisions[0].step === "act" ? decisions[0].action : decisions[0].reason).toContain(detail);
  });

  it("honours the settings: deny list by id or name, power-off for droplets, another tag key", () => {
    const settings = { ...DEFAULT_CLEANUP_SETTINGS, tagKey: "ttl", denyList: ["droplet-2"], dropletAction: "power-off" as const };
    const decisions = planCleanup([marked("droplet", "1", "ttl:2026-11-01"), marked("droplet", "2", "ttl:2026-11-01"), marked("droplet", "3", "expires:2026-11-01")], NOW, settings);
    expect(decisions.map((d) => [d.resource.id, d.step, d.step === "act" ? d.action : d.reason])).toEqual([
      ["1", "act", "power-off"],
      ["2", "skip", "on the clean-up deny list"],
    ]);
  });
});
