import { createHash } from "node:crypto";
import { actionProvider, type ActionInputs, type ActionOutputs } from "../../../../functions/deploy/providers/action-provider";
import { UNKNOWN_INPUT } from "../../../../functions/deploy/providers/validation";
import { rejectionOf, secretsOf, startProviderHarness, type ProviderHarness } from "./harness";

let harness: ProviderHarness;
let provider: ReturnType<typeof actionProvider>;
let namespaceId: string;

beforeAll(async () => {
  harness = await startProviderHarness();
  provider = actionProvider(() => harness.deps());
  namespaceId = harness.digitalOcean.state.namespaces[0]!.namespace!;
});
afterEach(() => {
  expect(harness.digitalOcean.validationErrors).toEqual([]);
  expect(harness.openWhisk.validationErrors).toEqual([]);
  harness.digitalOcean.reset();
  harness.openWhisk.requests.length = 0;
});
afterAll(() => harness.close());

/** create, with the outputs every provider here returns made non-optional. */
async function create(inputs: Parameters<typeof provider.create>[0]) {
  const { id, outs } = await provider.create(inputs);
  return { id, outs: outs! };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function inputs(overrides: Partial<ActionInputs> = {}): ActionInputs {
  return {
    namespaceId,
    packageName: "tracker",
    actionName: "dashboard",
    code: "exports.main = () => ({ body: 'ok' });",
    runtime: "nodejs:18",
    web: true,
    limits: { timeoutMs: 60_000, memoryMb: 256 },
    parameters: { DATABASE_URL: "postgres://tracker:hunter2@db/tracker" },
    ...overrides,
  };
}

describe("check", () => {
  it("accepts valid inputs and placeholders for values not known until apply", async () => {
    expect((await provider.check!({} as ActionInputs, inputs())).failures).toEqual([]);
    const unknown = { ...inputs(), namespaceId: UNKNOWN_INPUT, code: UNKNOWN_INPUT, parameters: UNKNOWN_INPUT } as unknown as ActionInputs;
    expect((await provider.check!({} as ActionInputs, unknown)).failures).toEqual([]);
  });

  it.each([
    [{ runtime: "nodejs:14" }, "runtime", /"nodejs:14" is not a DigitalOcean Functions Node.js runtime; use one of nodejs:18, nodejs:22, nodejs:24/],
    [{ actionName: "-dash" }, "actionName", /actionName "-dash" must start with a letter, digit or _/],
    [{ packageName: "a/b" }, "packageName", /packageName "a\/b" must start/],
    [{ code: "" }, "code", /code must be the non-empty JavaScript source/],
    // 15 minutes = 900,000 ms is DigitalOcean's ceiling; one more is out.
    [{ limits: { timeoutMs: 900_001, memoryMb: 256 } }, "limits.timeoutMs", /limits.timeoutMs must be an integer from 100 to 900000 \(got 900001\)/],
    [{ limits: { timeoutMs: 1000, memoryMb: 2048 } }, "limits.memoryMb", /limits.memoryMb must be an integer from 128 to 1024 \(got 2048\)/],
    [{ web: "yes" }, "web", /web must be true or false \(got "yes"\)/],
  ])("rejects %j naming %s", async (override, property, reason) => {
    const { failures } = await provider.check!({} as ActionInputs, inputs(override as Partial<ActionInputs>));
    expect(failures).toHaveLength(1);
    expect(failures![0]!.property).toBe(property);
    expect(failures![0]!.reason).toMatch(reason);
  });

  it("names a non-string parameter by key without echoing its value", async () => {
    const { failures } = await provider.check!({} as ActionInputs, inputs({ parameters: { API_KEY: 12345 as unknown as string } }));
    expect(failures).toEqual([{ property: "parameters.API_KEY", reason: "parameters.API_KEY must be a string (got a number)" }]);
  });
});

describe("diff", () => {
  const olds = (): ActionOutputs => {
    const { code, ...settings } = inputs();
    return { ...settings, qualifiedName: "tracker/dashboard", webUrl: "https://h/api/v1/web/ns/tracker/dashboard", codeSha256: sha256(code) };
  };
  it.each([
    [{}, { changes: false, replaces: [] }],
    [{ code: "exports.main = () => ({ body: 'v2' });" }, { changes: true, replaces: [] }],
    [{ limits: { timeoutMs: 60_000, memoryMb: 512 } }, { changes: true, replaces: [] }],
    [{ parameters: { DATABASE_URL: "postgres://other" } }, { changes: true, replaces: [] }],
    [{ actionName: "report" }, { changes: true, replaces: ["actionName"] }],
    [{ namespaceId: "fn-other" }, { changes: true, replaces: ["namespaceId"] }],
  ])("%j", async (override, expected) => {
    const result = await provider.diff!("id", olds(), inputs(override as Partial<ActionInputs>));
    expect({ changes: result.changes, replaces: result.replaces }).toEqual(expected);
  });
});

describe("create, update, delete", () => {
  it("creates the package, PUTs the action with overwrite and basic auth, and returns its web URL", async () => {
    const given = inputs({ main: "handler" });
    const { id, outs } = await create(given);
    const owRequests = harness.openWhisk.requests.map((request) => `${request.method} ${request.path}${request.query.overwrite ? `?overwrite=${request.query.overwrite}` : ""}`);
    expect(owRequests).toEqual([
      `GET /api/v1/namespaces/${namespaceId}/packages/tracker`,
      `PUT /api/v1/namespaces/${namespaceId}/packages/tracker`,
      `PUT /api/v1/namespaces/${namespaceId}/actions/tracker/dashboard?overwrite=true`,
    ]);
    expect(harness.openWhisk.requests.every((request) => request.authorization === "Basic [REDACTED]")).toBe(true);
    const put = harness.openWhisk.requests[2]!.body;
    expect(put).toEqual({
      exec: { kind: "nodejs:18", code: given.code, binary: false, main: "handler" },
      parameters: [{ key: "DATABASE_URL", value: "postgres://tracker:hunter2@db/tracker" }],
      annotations: [{ key: "web-export", value: true }, { key: "final", value: true }, { key: "raw-http", value: false }],
      limits: { timeout: 60_000, memory: 256 },
    });
    expect(id).toBe(`${namespaceId}/tracker/dashboard`);
    expect(outs.qualifiedName).toBe("tracker/dashboard");
    expect(outs.webUrl).toBe(`${harness.openWhisk.url}/api/v1/web/${namespaceId}/tracker/dashboard`);
    expect(outs.codeSha256).toBe(sha256(given.code));
    expect(outs).not.toHaveProperty("code");
  });

  it("a non-web action has no URL and is not web-exported", async () => {
    const { outs } = await create(inputs({ actionName: "ingest", web: false }));
    expect(outs.webUrl).toBeUndefined();
    expect(harness.openWhisk.actions.get(`${namespaceId}/tracker/ingest`)!.annotations).toContainEqual({ key: "web-export", value: false });
  });

  it("an existing package is not re-created", async () => {
    await create(inputs({ actionName: "first" }));
    harness.openWhisk.requests.length = 0;
    await create(inputs({ actionName: "second" }));
    expect(harness.openWhisk.requests.filter((request) => request.method === "PUT").map((request) => request.path)).toEqual([`/api/v1/namespaces/${namespaceId}/actions/tracker/second`]);
  });

  it.each([
    ["a 500", { kind: "500" as const }],
    ["a timeout", { kind: "timeout" as const, delayMs: 500 }],
  ])("a PUT that failed with %s is retried to one stored action", async (_label, fault) => {
    const hasty = actionProvider(() => harness.deps(200));
    harness.openWhisk.injectFault({ ...fault, method: "PUT", path: /\/actions\/tracker\/flaky$/ });
    await hasty.create(inputs({ actionName: "flaky", code: "exports.main = () => 1;" }));
    const puts = harness.openWhisk.requests.filter((request) => request.method === "PUT" && request.path.endsWith("/flaky"));
    expect(puts).toHaveLength(2);
    expect(harness.openWhisk.actions.get(`${namespaceId}/tracker/flaky`)!.exec.code).toBe("exports.main = () => 1;");
  });

  it("update PUTs the new code and settings over the old action", async () => {
    const first = await create(inputs({ actionName: "report" }));
    harness.openWhisk.requests.length = 0;
    const news = inputs({ actionName: "report", code: "exports.main = () => 2;", limits: { timeoutMs: 120_000, memoryMb: 512 } });
    const { outs } = await provider.update!(first.id, first.outs, news);
    const puts = harness.openWhisk.requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => [request.path, request.query.overwrite])).toEqual([[`/api/v1/namespaces/${namespaceId}/actions/tracker/report`, "true"]]);
    expect(harness.openWhisk.actions.get(`${namespaceId}/tracker/report`)).toMatchObject({ exec: { code: "exports.main = () => 2;" }, limits: { timeout: 120_000, memory: 512 } });
    expect(outs!.codeSha256).toBe(sha256("exports.main = () => 2;"));
  });

  it("reads the deployed action, and reads a missing one as gone", async () => {
    const { id, outs } = await create(inputs({ actionName: "readable" }));
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
    expect(await provider.read!(id, { ...outs, actionName: "missing" })).toEqual({});
  });

  it("deletes; deleting a missing action, or one whose namespace is gone, succeeds", async () => {
    const { id, outs } = await create(inputs({ actionName: "doomed" }));
    await provider.delete!(id, outs);
    expect(harness.openWhisk.actions.has(`${namespaceId}/tracker/doomed`)).toBe(false);
    await expect(provider.delete!(id, outs)).resolves.toBeUndefined();
    await expect(provider.delete!(id, { ...outs, namespaceId: "fn-00000000-0000-4000-a000-000000000000" })).resolves.toBeUndefined();
  });

  it("wrong namespace credentials fail without echoing the key or the token", async () => {
    const namespace = harness.digitalOcean.state.namespaces[0]!;
    const realKey = namespace.key!;
    namespace.key = "dof_v1_rotated_key_the_fake_refuses";
    try {
      const message = await rejectionOf(provider.create(inputs({ actionName: "refused" })));
      expect(message).toMatch(/OpenWhisk GET \/api\/v1\/namespaces\/.+\/packages\/tracker failed: 401 The supplied authentication is invalid/);
      for (const secret of [...secretsOf(harness), realKey]) expect(message).not.toContain(secret);
    } finally {
      namespace.key = realKey;
    }
  });

  it("outputs carry no credential; parameters are the only sensitive output (marked secret by FunctionsAction)", async () => {
    const { outs } = await create(inputs({ actionName: "audited" }));
    const { parameters, ...rest } = outs;
    const text = JSON.stringify(rest);
    for (const secret of secretsOf(harness)) expect(text).not.toContain(secret);
    expect(text).not.toContain("hunter2");
    expect(parameters).toEqual(inputs().parameters);
  });
});
