/**
 * The providers as Pulumi runs them: serialized to source text by closure serialization, then
 * evaluated in a plain Node module the way the dynamic-provider host does (require-from-string),
 * with credentials only in the environment of the process running the method.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import NodeModule from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { FunctionsAction } from "../../../../functions/deploy/providers/action";
import { FunctionsNamespace } from "../../../../functions/deploy/providers/namespace";
import { providerBundle, serializableProvider, type ProviderKind } from "../../../../functions/deploy/providers/serialized-provider";
import { FunctionsTrigger } from "../../../../functions/deploy/providers/trigger";
import { startProviderHarness, type ProviderHarness } from "./harness";

const execFileAsync = promisify(execFile);
let harness: ProviderHarness;
let scratch: string;
const savedToken = process.env.DIGITALOCEAN_TOKEN;

beforeAll(async () => {
  harness = await startProviderHarness();
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "dcg-providers-"));
  // Set while serializing, to prove the serialized text does not pick it up.
  process.env.DIGITALOCEAN_TOKEN = harness.digitalOcean.token;
});
afterAll(async () => {
  if (savedToken === undefined) delete process.env.DIGITALOCEAN_TOKEN;
  else process.env.DIGITALOCEAN_TOKEN = savedToken;
  await fs.rm(scratch, { recursive: true, force: true });
  await harness.close();
});

/** What the dynamic-provider host does with the `__provider` text (in this process). */
function deserialize(text: string): pulumi.dynamic.ResourceProvider {
  const compiled = new NodeModule("") as NodeModule & { _compile(code: string, filename: string): void };
  compiled._compile(text, "");
  return (compiled.exports as { handler: () => pulumi.dynamic.ResourceProvider }).handler();
}

async function serialized(kind: ProviderKind): Promise<{ text: string; containsSecrets: boolean }> {
  const provider = serializableProvider(kind);
  return pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
}

it("the bundle needs nothing but Node's built-in modules", () => {
  const required = [...providerBundle().matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
  expect(required.length).toBeGreaterThan(0);
  expect(required.filter((name) => !name!.startsWith("node:"))).toEqual([]);
});

it.each(["namespace", "action", "trigger"] as const)("the serialized %s provider captures neither the token nor a machine path", async (kind) => {
  const { text, containsSecrets } = await serialized(kind);
  expect(containsSecrets).toBe(false);
  expect(text).not.toContain(harness.digitalOcean.token);
  expect(text).not.toContain(__dirname.split("/tests/")[0]); // no machine paths either
  expect(typeof deserialize(text).create).toBe("function");
});

/**
 * Runs one provider method in a plain Node child process, as Pulumi's dynamic-provider host
 * does: the serialized text compiled as a module, the credentials only in that process's env.
 */
async function runInProviderProcess(text: string, method: string, args: unknown[], env: Record<string, string>): Promise<{ result?: unknown; error?: string }> {
  const file = path.join(scratch, `provider-${Math.random().toString(36).slice(2)}.js`);
  await fs.writeFile(file, text);
  const host = `
    const Module = require("node:module");
    const compiled = new Module("");
    compiled._compile(require("node:fs").readFileSync(process.argv[1], "utf8"), "");
    const provider = compiled.exports.handler();
    provider[process.argv[2]](...JSON.parse(process.argv[3])).then(
      (result) => process.stdout.write(JSON.stringify({ result })),
      (error) => process.stdout.write(JSON.stringify({ error: String(error.message) })),
    );`;
  const { stdout } = await execFileAsync(process.execPath, ["-e", host, file, method, JSON.stringify(args)], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 15_000 });
  return JSON.parse(stdout);
}

it("a deserialized provider validates at preview and reads the token from its own process when each method runs", async () => {
  const { text } = await serialized("trigger");
  const namespaceId = harness.digitalOcean.state.namespaces[0]!.namespace!;
  const inputs = { namespaceId, name: "from-serialized", functionName: "tracker/report", cron: "0 7 * * *", enabled: true };
  const env = { DIGITALOCEAN_TOKEN: harness.digitalOcean.token, DIGITALOCEAN_API_URL: harness.digitalOcean.url };

  const checked = await runInProviderProcess(text, "check", [{}, { ...inputs, cron: "0 7 * * 8" }], {});
  expect(checked.result).toEqual({ inputs: { ...inputs, cron: "0 7 * * 8" }, failures: [{ property: "cron", reason: expect.stringMatching(/day of week field "8" is out of range/) }] });

  const created = await runInProviderProcess(text, "create", [inputs], env);
  expect(created).toEqual({ result: { id: `${namespaceId}/from-serialized`, outs: inputs } });
  expect(harness.digitalOcean.state.triggers[namespaceId]!.filter((candidate) => candidate.name === "from-serialized")).toHaveLength(1);

  const refused = await runInProviderProcess(text, "delete", [`${namespaceId}/from-serialized`, inputs], { ...env, DIGITALOCEAN_TOKEN: "dop_v1_rotated_token" });
  expect(refused.error).toMatch(/401 unauthorized/);
  expect(refused.error).not.toContain("dop_v1_rotated_token");

  const unset = await runInProviderProcess(text, "delete", [`${namespaceId}/from-serialized`, inputs], { DIGITALOCEAN_API_URL: harness.digitalOcean.url });
  expect(unset.error).toMatch(/^DIGITALOCEAN_TOKEN is not set/);
  expect(harness.digitalOcean.validationErrors).toEqual([]);
});

describe("resource classes", () => {
  interface Registration {
    type: string;
    name: string;
    object: Record<string, unknown>;
    additionalSecretOutputs: string[];
  }
  const registrations: Registration[] = [];
  // Pulumi's wire marker for a secret value (sdk/nodejs/runtime/rpc.ts `specialSigKey`/`specialSecretSig`).
  const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };

  beforeAll(async () => {
    type RegisterRequest = { getType(): string; getName(): string; getObject(): { toJavaScript(): Record<string, unknown> }; getAdditionalsecretoutputsList(): string[] };
    const prototype = MockMonitor.prototype as unknown as { registerResource(req: RegisterRequest, callback: unknown): Promise<void> };
    const original = prototype.registerResource;
    jest.spyOn(prototype, "registerResource").mockImplementation(function (this: unknown, req: RegisterRequest, callback: unknown) {
      registrations.push({ type: req.getType(), name: req.getName(), object: req.getObject().toJavaScript(), additionalSecretOutputs: req.getAdditionalsecretoutputsList() });
      return original.call(this, req, callback);
    });
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: (args) => {
          throw new Error(`unexpected invoke ${args.token}`);
        },
      },
      "do-cost-guard",
      "test",
      true,
    );
    const namespace = new FunctionsNamespace("tracker", { region: "fra1", label: "do-cost-guard" });
    const action = new FunctionsAction("ingest", {
      namespaceId: namespace.namespaceId,
      packageName: "tracker",
      actionName: "ingest",
      code: "exports.main = () => ({});",
      runtime: "nodejs:18",
      web: false,
      limits: { timeoutMs: 300_000, memoryMb: 256 },
      parameters: { DATABASE_URL: "postgres://tracker:hunter2@db/tracker" },
    });
    new FunctionsTrigger("hourly", { namespaceId: namespace.namespaceId, name: "hourly", functionName: action.qualifiedName, cron: "5 * * * *", body: { name: "ingest" }, enabled: true });
    await new Promise<void>((resolve) => action.urn.apply(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  const registered = (type: string) => registrations.find((registration) => registration.type === type)!;

  it("register under do-cost-guard dynamic types with a token-free provider", () => {
    expect(registrations.map((registration) => registration.type).sort()).toEqual([
      "pulumi-nodejs:dynamic/do-cost-guard:FunctionsAction",
      "pulumi-nodejs:dynamic/do-cost-guard:FunctionsNamespace",
      "pulumi-nodejs:dynamic/do-cost-guard:FunctionsTrigger",
    ]);
    for (const registration of registrations) {
      expect(typeof registration.object.__provider).toBe("string");
      expect(registration.object.__provider).not.toContain(harness.digitalOcean.token);
    }
  });

  it("mark the namespace's uuid and key secret outputs", () => {
    expect(registered("pulumi-nodejs:dynamic/do-cost-guard:FunctionsNamespace").additionalSecretOutputs).toEqual(["uuid", "key"]);
  });

  it("store the action's parameters only as a secret", () => {
    const action = registered("pulumi-nodejs:dynamic/do-cost-guard:FunctionsAction");
    expect(action.additionalSecretOutputs).toEqual(["parameters"]);
    expect(action.object.parameters).toMatchObject(SECRET_SIG);
    expect(action.object.code).toBe("exports.main = () => ({});");
  });
});
