import { readdirSync } from "node:fs";
import * as path from "node:path";
import { Policies } from "@pulumi/policy";
import { assertUniquePolicyNames, policies } from "../../policies/registry";

const policiesDir = path.join(__dirname, "../../policies");
const camelCase = (kebab: string) => kebab.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());

test("a duplicate name is refused", () => {
  const twice: Policies = [policies[0], { ...policies[0] }];
  expect(() => assertUniquePolicyNames(twice)).toThrow(`policy name "${policies[0].name}" is registered twice in policies/registry.ts`);
});

test("every policy file is registered once, under its file name, exported as its camelCase", () => {
  const files = readdirSync(policiesDir).filter((file) => /^do-.*\.ts$/.test(file));
  const registered = policies.map((policy) => policy.name).sort();
  expect(files.map((file) => file.replace(/\.ts$/, "")).sort()).toEqual(registered);
  for (const file of files) {
    const name = file.replace(/\.ts$/, "");
    const module = require(path.join(policiesDir, file)) as Record<string, { name: string }>;
    expect(module[camelCase(name)]?.name).toBe(name);
  }
});

test.each(policies.map((policy) => [policy.name, policy] as const))("%s has a one-sentence description and an enforcement level", (_name, policy) => {
  expect(policy.description).toMatch(/^[A-Z][^.]*(\.[a-z_]+[^.]*)*\.$/);
  expect(["advisory", "mandatory"]).toContain(policy.enforcementLevel);
});
