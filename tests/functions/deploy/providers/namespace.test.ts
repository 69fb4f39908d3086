import { DigitalOceanClient } from "../../../../functions/src/digitalocean/client";
import { namespaceProvider, type NamespaceInputs } from "../../../../functions/deploy/providers/namespace-provider";
import { UNKNOWN_INPUT } from "../../../../functions/deploy/providers/validation";
import { rejectionOf, secretsOf, startProviderHarness, type ProviderHarness } from "./harness";

let harness: ProviderHarness;
let provider: ReturnType<typeof namespaceProvider>;

beforeAll(async () => {
  harness = await startProviderHarness();
  provider = namespaceProvider(() => harness.deps());
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

const labelled = (label: string) => harness.digitalOcean.state.namespaces.filter((namespace) => namespace.label === label);

describe("check", () => {
  it("accepts a Functions region and a label, and inputs not known until apply", async () => {
    for (const inputs of [{ region: "fra1", label: "cost-tracker" }, { region: UNKNOWN_INPUT, label: UNKNOWN_INPUT }]) {
      expect((await provider.check!({} as NamespaceInputs, inputs)).failures).toEqual([]);
    }
  });

  it.each([
    [{ region: "atl1", label: "x" }, "region", /region "atl1" does not offer DigitalOcean Functions/],
    [{ region: "", label: "x" }, "region", /region must be a non-empty string/],
    [{ region: "fra1", label: " padded " }, "label", /label must be a non-empty string without surrounding spaces \(got " padded "\)/],
    [{ region: "fra1", label: 7 }, "label", /\(got 7\)/],
  ])("rejects %j naming %s", async (inputs, property, reason) => {
    const { failures } = await provider.check!({} as NamespaceInputs, inputs as unknown as NamespaceInputs);
    expect(failures).toHaveLength(1);
    expect(failures![0]!.property).toBe(property);
    expect(failures![0]!.reason).toMatch(reason);
  });
});

describe("diff", () => {
  const olds = { region: "fra1", label: "a", namespaceId: "fn-1", apiHost: "https://h", uuid: "u", key: "k" };
  it.each([
    [{ region: "fra1", label: "a" }, { changes: false, replaces: [], deleteBeforeReplace: true }],
    [{ region: "fra1", label: "b" }, { changes: true, replaces: ["label"], deleteBeforeReplace: false }],
    // Same label in another region: the old one must go first, labels being unique.
    [{ region: "ams3", label: "a" }, { changes: true, replaces: ["region"], deleteBeforeReplace: true }],
  ])("%j", async (news, expected) => {
    expect(await provider.diff!("fn-1", olds, news)).toEqual(expected);
  });
});

describe("create, read, delete", () => {
  it("creates with one POST and returns the namespace's credentials as outputs", async () => {
    const { id, outs } = await create({ region: "fra1", label: "create-once" });
    const posts = harness.digitalOcean.requests.filter((request) => request.method === "POST");
    expect(posts.map((request) => request.body)).toEqual([{ region: "fra1", label: "create-once" }]);
    const stored = labelled("create-once");
    expect(stored).toHaveLength(1);
    expect(id).toBe(stored[0]!.namespace);
    expect(outs).toEqual({ namespaceId: id, apiHost: stored[0]!.api_host, uuid: stored[0]!.uuid, key: stored[0]!.key, region: "fra1", label: "create-once" });
  });

  it("a create retried after its answer was lost adopts the namespace the first attempt made", async () => {
    harness.digitalOcean.reset();
    harness.loseNextAnswerTo("POST");
    expect(await rejectionOf(provider.create({ region: "sgp1", label: "lost-answer" }))).toMatch(/POST \/v2\/functions\/namespaces failed: timeout/);
    expect(labelled("lost-answer")).toHaveLength(1); // it did happen
    const { id } = await create({ region: "sgp1", label: "lost-answer" });
    expect(labelled("lost-answer").map((namespace) => namespace.namespace)).toEqual([id]);
    expect(harness.digitalOcean.requests.filter((request) => request.method === "POST")).toHaveLength(1);
  });

  it("refuses to adopt a namespace with the same label in another region", async () => {
    await create({ region: "lon1", label: "taken" });
    expect(await rejectionOf(provider.create({ region: "tor1", label: "taken" }))).toMatch(/labelled "taken" already exists in region lon1 \(wanted tor1\)/);
    expect(labelled("taken")).toHaveLength(1);
  });

  it("reads a namespace, and reads a missing one as gone", async () => {
    const { id, outs } = await create({ region: "fra1", label: "readable" });
    expect(await provider.read!(id, outs)).toEqual({ id, props: outs });
    expect(await provider.read!("fn-00000000-0000-4000-a000-000000000000", outs)).toEqual({});
  });

  it("deletes, and deleting again (404) succeeds", async () => {
    const { id, outs } = await create({ region: "fra1", label: "short-lived" });
    await provider.delete!(id, outs);
    expect(labelled("short-lived")).toEqual([]);
    await expect(provider.delete!(id, outs)).resolves.toBeUndefined();
    const deletes = harness.digitalOcean.requests.filter((request) => request.method === "DELETE");
    expect(deletes.map((request) => request.path)).toEqual([`/v2/functions/namespaces/${id}`, `/v2/functions/namespaces/${id}`]);
  });

  it("a refused token fails without echoing the token", async () => {
    const refused = namespaceProvider(() => {
      const deps = harness.deps();
      const client = new DigitalOceanClient({ token: "dop_v1_wrong_token_value", baseUrl: harness.digitalOcean.url, maxRetries: 0 });
      return { ...deps, digitalOcean: () => client };
    });
    const message = await rejectionOf(refused.create({ region: "fra1", label: "never" }));
    expect(message).toMatch(/401 unauthorized/);
    for (const secret of [...secretsOf(harness), "dop_v1_wrong_token_value"]) expect(message).not.toContain(secret);
  });
});
