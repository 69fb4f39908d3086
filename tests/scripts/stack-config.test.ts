/**
 * scripts/lib/stack-config reads Pulumi.yaml and Pulumi.<stack>.yaml as the Pulumi CLI does
 * (Go's yaml.v3), so the offline plan hands the program the same configuration `pulumi preview`
 * would: date-like values stay text, `<<` merge keys are merged.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackConfig } from "../../scripts/lib/stack-config";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "dcg-stack-config-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: fixture\nmain: index.ts\n");
  fs.writeFileSync(path.join(dir, "index.ts"), "export {};\n");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function stack(text: string): Record<string, string> {
  fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), text);
  return loadStackConfig(dir, "dev").config;
}

test("a date-like value is the text written, as yaml.v3 gives it to the program (not a Date turned into JSON)", () => {
  const config = stack("config:\n  fixture:startsOn: 2026-11-01\n  fixture:at: 2026-11-01T09:30:00Z\n");
  expect(config["fixture:startsOn"]).toBe("2026-11-01");
  expect(config["fixture:at"]).toBe("2026-11-01T09:30:00Z");
});

test("`<<` merge keys are merged, as yaml.v3 does", () => {
  const config = stack(
    ["defaults: &rules", "  cpu: {threshold: 80, window: 5m}", "config:", "  fixture:target:", "    <<: *rules", "    name: orders-db", ""].join("\n"),
  );
  expect(JSON.parse(config["fixture:target"]!)).toEqual({ cpu: { threshold: 80, window: "5m" }, name: "orders-db" });
});

test("YAML 1.1 words stay words and numbers stay numbers (the YAML 1.2 core schema)", () => {
  const config = stack("config:\n  fixture:answer: yes\n  fixture:mode: off\n  fixture:count: 3\n  fixture:enabled: true\n");
  expect(config).toMatchObject({ "fixture:answer": "yes", "fixture:mode": "off", "fixture:count": "3", "fixture:enabled": "true" });
});
