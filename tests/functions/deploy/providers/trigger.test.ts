import { triggerProvider, type TriggerInputs } from "../../../../functions/deploy/providers/trigger-provider";
import { UNKNOWN_INPUT } from "../../../../functions/deploy/providers/validation";
import { rejectionOf, secretsOf, startProviderHarness, type ProviderHarness } from "./harness";

let harness: ProviderHarness;
let provider: ReturnType<typeof triggerProvider>;
let namespaceId: string;

beforeAll(async () => {
  harness = await startProviderHarness();
  provider = triggerProvider(() => harness.deps());
  namespaceId = harness.digitalOcean.state.namespaces[0]!.namespace!;
});
afterEach(() => {
  expect(harness.digitalOcean.validationErrors).toEqual([]);
  harness.digitalOcean.reset();
});
afterAll(() => harness.close());

/** create, with the outputs every provider here returns made non-optional. */
async function create(inputs: Parameters<typeof provider.create>[0]) {
  const { id, outs } = await provider.create(inputs);
  return { id, outs: outs! };
}

function inputs(overrides: Partial<TriggerInputs> = {}): TriggerInputs {
  return { namespaceId, name: "daily-report", functionName: "tracker/report", cron: "0 7 * * *", body: { name: "daily-report" }, enabled: true, ...overrides };
}
const named = (name: string) => (harness.digitalOcean.state.triggers[namespaceId] ?? []).filter((trigger) => trigger.name === name);
const triggerRequests = (method: string) => harness.digitalOcean.requests.filter((request) => request.method === method && request.path.includes("/triggers"));

describe("check", () => {
  it("accepts a valid schedule and placeholders for values not known until apply", async () => {
    expect((await provider.check!({} as TriggerInputs, inputs())).failures).toEqual([]);
    expect((await provider.check!({} as TriggerInputs, inputs({ namespaceId: UNKNOWN_INPUT, functionName: UNKNOWN_INPUT }))).failures).toEqual([]);
  });

  it.each([
    ["0 7 * *", /cron "0 7 \* \*" must have 5 fields/],
    ["0 24 * * *", /hour field "24" is out of range \(allowed 0-23\)/],
    ["*/0 * * * *", /minute field "\*\/0" has a step below 1/],
    ["0 7 32 * *", /day of month field "32" is out of range/],
    ["0 7 * * mon", /day of week field "mon" is not a number/],
  ])("rejects cron %j naming the field", async (cron, reason) => {
    const { failures } = await provider.check!({} as TriggerInputs, inputs({ cron }));
    expect(failures).toHaveLength(1);
    expect(failures![0]!.property).toBe("cron");
    expect(failures![0]!.reason).toMatch(reason);
  });

  it.each([
    [{ body: [1, 2] }, "body", /body must be \{name: string\}/],
    [{ body: { task: "report" } }, "body", /body must be \{name: string\}.*\(got \{"task":"report"\}\)/],
    [{ enabled: "true" }, "enabled", /enabled must be true or false \(got "true"\)/],
    [{ functionName: "" }, "functionName", /functionName must be a non-empty string/],
  ])("rejects %j", async (override, property, reason) => {
    const { failures } = await provider.check!({} as TriggerInputs, inputs(override as unknown as Partial<TriggerInputs>));
    expect(failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
  });
});

describe("diff", () => {
  it.each([
    [{}, { changes: false, replaces: [] }],
    [{ cron: "0 8 * * *" }, { changes: true, replaces: [] }],
    [{ enabled: false }, { changes: true, replaces: [] }],
    [{ body: { name: "weekly-report" } }, { changes: true, replaces: [] }],
    [{ name: "renamed" }, { changes: true, replaces: ["name"] }],
    [{ functionName: "tracker/ingest" }, { changes: true, replaces: ["functionName"] }],
  ])("%j", async (override, expected) => {
    expect(await provider.diff!("id", inputs(), inputs(override))).toEqual(expected);
  });
});

describe("create, update, delete", () => {
  it("creates with one POST of the documented body", async () => {
    const { id, outs } = await create(inputs({ name: "created" }));
    expect(triggerRequests("POST").map((request) => request.body)).toEqual([
      { name: "created", function: "tracker/report", type: "SCHEDULED", is_enabled: true, scheduled_details: { cron: "0 7 * * *", body: { name: "daily-report" } } },
    ]);
    expect(id).toBe(`${namespaceId}/created`);
    expect(outs).toEqual(inputs({ name: "created" }));
    expect(named("created")).toHaveLength(1);
  });

  it("a create retried after its answer was lost finds the trigger instead of duplicating it", async () => {
    harness.loseNextAnswerTo("POST");
    expect(await rejectionOf(provider.create(inputs({ name: "lost-answer" })))).toMatch(/POST \/v2\/functions\/namespaces\/.+\/triggers failed: timeout/);
    expect(named("lost-answer")).toHaveLength(1); // it did happen
    await create(inputs({ name: "lost-answer" }));
    expect(named("lost-answer")).toHaveLength(1);
    expect(triggerRequests("POST")).toHaveLength(1);
    expect(triggerRequests("PUT")).toHaveLength(0); // already as wanted
  });

  it("an adopted trigger with another schedule is brought to the inputs with a PUT", async () => {
    await create(inputs({ name: "drifted", cron: "0 6 * * *" }));
    harness.digitalOcean.reset();
    await create(inputs({ name: "drifted" }));
    expect(triggerRequests("PUT").map((request) => request.body)).toEqual([{ is_enabled: true, scheduled_details: { cron: "0 7 * * *", body: { name: "daily-report" } } }]);
    expect(named("drifted")[0]!.scheduled_details!.cron).toBe("0 7 * * *");
  });

  it("refuses to adopt a same-named trigger of another function", async () => {
    // The seed's trigger runs tracker/ingest.
    const message = await rejectionOf(provider.create(inputs({ name: "hourly-ingest" })));
    expect(message).toMatch(/trigger "hourly-ingest" already exists .* for function tracker\/ingest \(wanted tracker\/report\)/);
  });

  it("update PUTs is_enabled and scheduled_details", async () => {
    const created = await create(inputs({ name: "paused" }));
    harness.digitalOcean.reset();
    const news = inputs({ name: "paused", enabled: false, cron: "30 7 * * 1" });
    const { outs } = await provider.update!(created.id, created.outs, news);
    expect(triggerRequests("PUT").map((request) => [request.path, request.body])).toEqual([
      [`/v2/functions/namespaces/${namespaceId}/triggers/paused`, { is_enabled: false, scheduled_details: { cron: "30 7 * * 1", body: { name: "daily-report" } } }],
    ]);
    expect(outs).toEqual(news);
    expect(named("paused")[0]).toMatchObject({ is_enabled: false, scheduled_details: { cron: "30 7 * * 1" } });
  });

  it("reads the live schedule, and reads a missing trigger as gone", async () => {
    const { id, outs } = await create(inputs({ name: "refreshed" }));
    named("refreshed")[0]!.scheduled_details!.cron = "15 7 * * *"; // changed in the control panel
    expect(await provider.read!(id, outs)).toEqual({ id, props: { ...outs, cron: "15 7 * * *" } });
    expect(await provider.read!(id, { ...outs, name: "missing" })).toEqual({});
  });

  it("deletes; deleting a missing trigger succeeds", async () => {
    const { id, outs } = await create(inputs({ name: "doomed" }));
    await provider.delete!(id, outs);
    expect(named("doomed")).toEqual([]);
    await expect(provider.delete!(id, outs)).resolves.toBeUndefined();
    expect(triggerRequests("DELETE")).toHaveLength(2);
  });

  it("errors name the trigger but no credential", async () => {
    const message = await rejectionOf(provider.update!("id", inputs(), inputs({ name: "never-created" })));
    expect(message).toMatch(/PUT \/v2\/functions\/namespaces\/.+\/triggers\/never-created failed: 404/);
    for (const secret of secretsOf(harness)) expect(message).not.toContain(secret);
  });
});
