/**
 * A dismissal sticks (issue 14, point 12), on both store backends: it holds while the advice and
 * its evidence stay the same, with measured figures (p95s) allowed to move within the tolerance,
 * and it is lifted by a material change: another target size or action, a changed fact, or a
 * figure moving by more than the tolerance from its value when dismissed. A suggestion that
 * disappears for a run and comes back unchanged is still dismissed.
 */
import type { Suggestion } from "../../../core/advice";
import { AdviceStore, DISMISSAL_MEMORY_DAYS } from "../../../functions/src/store/advice-store";
import { migrate } from "../../../functions/src/store/migrations";
import { openBackend, STORE_BACKENDS, type BackendFixture } from "./backends";

const DAY_MS = 86_400_000;
const T0 = new Date("2026-11-29T06:00:00Z");
const day = (n: number) => new Date(T0.getTime() + n * DAY_MS);

/** The database-oversized suggestion as the rule writes it, with the figures and target chosen per case. */
function oversized(fields: { cpu?: number; memory?: number; target?: string; numNodes?: number; action?: string } = {}): Suggestion {
  const target = fields.target ?? "db-s-2vcpu-4gb";
  return {
    id: "database-oversized:database:db-reports",
    rule: "database-oversized",
    resource: { kind: "database", id: "db-reports", name: "reports-db" },
    action: fields.action ?? `resize to ${target}`,
    reason: "low p95 CPU and memory",
    monthlySavingsUsd: 60,
    evidence: { sizeSlug: "db-s-4vcpu-8gb", numNodes: fields.numNodes ?? 2, cpuP95Pct: fields.cpu ?? 8, memoryP95Pct: fields.memory ?? 20, targetSlug: target },
  };
}

/** case name, whether it is still dismissed, and the suggestion as the run after the dismissal finds it. */
const NEXT_RUN: [string, boolean, Suggestion][] = [
  ["unchanged", true, oversized()],
  ["a p95 rounding differently (8 → 9)", true, oversized({ cpu: 9 })],
  ["a p95 moving just within the 10-point tolerance (20 → 30)", true, oversized({ memory: 30 })],
  ["  twin: a p95 moving beyond it (20 → 31)", false, oversized({ memory: 31 })],
  ["another recommended size", false, oversized({ target: "db-s-1vcpu-2gb" })],
  ["another action for the same resource", false, oversized({ action: "delete" })],
  ["a changed fact (3 nodes instead of 2)", false, oversized({ numNodes: 3 })],
];

describe.each(STORE_BACKENDS)("dismissals on %s", (backend) => {
  let fixture: BackendFixture;
  let store: AdviceStore;

  beforeAll(async () => {
    fixture = await openBackend(backend, __filename);
    await migrate(fixture.client);
    store = new AdviceStore(fixture.client);
  });
  afterAll(() => fixture.dispose());
  beforeEach(async () => {
    await fixture.client.query(`DELETE FROM advice_suggestions`);
    await store.replaceSuggestions([oversized()], T0);
    expect(await store.dismissSuggestion(oversized().id)).toBe(true);
  });

  const dismissed = async (): Promise<boolean | undefined> => (await store.listSuggestions()).find((s) => s.id === oversized().id)?.dismissed;

  it.each(NEXT_RUN)("next run, %s: still dismissed %s", async (_name, stillDismissed, next) => {
    const stored = await store.replaceSuggestions([next], day(1));
    expect(stored.find((s) => s.id === next.id)).toMatchObject({ dismissed: stillDismissed, evidence: next.evidence });
  });

  it("measures the tolerance from the dismissal, so a slow drift is noticed", async () => {
    await store.replaceSuggestions([oversized({ memory: 26 })], day(1));
    expect(await dismissed()).toBe(true);
    await store.replaceSuggestions([oversized({ memory: 32 })], day(2));
    expect(await dismissed()).toBe(false);
    // Once lifted it stays lifted, even if the figure returns: the owner decides again.
    await store.replaceSuggestions([oversized()], day(3));
    expect(await dismissed()).toBe(false);
  });

  it("takes the tolerance from the settings: with 0 points every p95 change counts", async () => {
    await store.replaceSuggestions([oversized({ cpu: 9 })], day(1), { dismissalTolerancePct: 0 });
    expect(await dismissed()).toBe(false);
  });

  it("keeps a dismissal through a run that did not find the suggestion, hidden meanwhile", async () => {
    const absent = await store.replaceSuggestions([], day(1));
    expect(absent).toEqual([]);
    expect(await store.dismissSuggestion(oversized().id)).toBe(false);
    const back = await store.replaceSuggestions([oversized({ cpu: 9 })], day(2));
    expect(back).toEqual([expect.objectContaining({ id: oversized().id, dismissed: true, firstSeenAt: T0 })]);
  });

  it(`forgets a dismissed suggestion not found for more than ${DISMISSAL_MEMORY_DAYS} days`, async () => {
    await store.replaceSuggestions([], day(1));
    await store.replaceSuggestions([], day(DISMISSAL_MEMORY_DAYS + 2));
    const back = await store.replaceSuggestions([oversized()], day(DISMISSAL_MEMORY_DAYS + 3));
    expect(back).toEqual([expect.objectContaining({ dismissed: false, firstSeenAt: day(DISMISSAL_MEMORY_DAYS + 3) })]);
  });

  it("drops a suggestion nobody dismissed as soon as it is not found", async () => {
    const other: Suggestion = { ...oversized(), id: "database-oversized:database:db-orders", resource: { kind: "database", id: "db-orders", name: "orders-db" } };
    await store.replaceSuggestions([oversized(), other], day(1));
    await store.replaceSuggestions([oversized()], day(2));
    const rows = await fixture.client.query<{ id: string }>(`SELECT id FROM advice_suggestions ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual([oversized().id]);
  });
});
