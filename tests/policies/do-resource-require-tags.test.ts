import { doResourceRequireTags } from "../../policies/do-resource-require-tags";
import { compliantDroplet, runResourcePolicy, UNKNOWN } from "../support/policy-fixtures";

const prodOnly = { allowedValues: { env: ["prod", "staging"] } };

test("compliant droplet: no violations", async () => {
  expect(await runResourcePolicy(doResourceRequireTags, compliantDroplet(), prodOnly)).toEqual([]);
});

describe("one mutation, one violation", () => {
  test.each([
    [
      "owner tag removed",
      ["env:prod", "service:worker"],
      {},
      'Droplet "worker-1" is missing required tag key owner. Fix: tags: ["env:prod","service:worker","owner:<owner>"]',
    ],
    [
      "no tags at all",
      [],
      {},
      'Droplet "worker-1" is missing required tag keys env, service, owner. Fix: tags: ["env:<env>","service:<service>","owner:<owner>"]',
    ],
    [
      "env value outside the allow-list",
      ["env:production", "service:worker", "owner:kitchen"],
      prodOnly,
      'Droplet "worker-1" has tag "env:production" but env must be one of prod, staging. Fix: tags: ["env:<prod|staging>","service:worker","owner:kitchen"]',
    ],
    [
      "empty value counts as missing",
      ["env:", "service:worker", "owner:kitchen"],
      {},
      'Droplet "worker-1" is missing required tag key env. Fix: tags: ["env:","service:worker","owner:kitchen","env:<env>"]',
    ],
    [
      "tags is not a list",
      "env:prod",
      {},
      'Droplet "worker-1": tags must be a list of strings (got "env:prod"). Fix: tags: ["env:<env>","service:<service>","owner:<owner>"]',
    ],
    [
      "configured required keys replace the defaults",
      ["env:prod", "service:worker", "owner:kitchen"],
      { requiredKeys: ["env", "cost-center"] },
      'Droplet "worker-1" is missing required tag key cost-center. Fix: tags: ["env:prod","service:worker","owner:kitchen","cost-center:<cost-center>"]',
    ],
  ])("%s", async (_case, tags, config, message) => {
    expect(await runResourcePolicy(doResourceRequireTags, compliantDroplet("worker-1", tags), config)).toEqual([{ message }]);
  });
});

describe("not reported", () => {
  test("tags unknown until deploy cannot be judged in preview", async () => {
    expect(await runResourcePolicy(doResourceRequireTags, compliantDroplet("worker-1", UNKNOWN))).toEqual([]);
  });

  test("one unknown tag may supply the missing key", async () => {
    expect(await runResourcePolicy(doResourceRequireTags, compliantDroplet("worker-1", ["env:prod", UNKNOWN]))).toEqual([]);
  });

  test("a known disallowed value is reported even next to an unknown tag", async () => {
    const violations = await runResourcePolicy(doResourceRequireTags, compliantDroplet("worker-1", ["env:qa", UNKNOWN]), prodOnly);
    expect(violations).toEqual([{ message: 'Droplet "worker-1" has tag "env:qa" but env must be one of prod, staging. Fix: tags: ["env:<prod|staging>"]' }]);
  });

  test.each([
    ["digitalocean:index/app:App", "cannot carry tags"],
    ["digitalocean:index/firewall:Firewall", "tags select droplets"],
    ["digitalocean:index/monitorAlert:MonitorAlert", "tags select droplets"],
  ])("%s (%s)", async (type) => {
    expect(await runResourcePolicy(doResourceRequireTags, { type, name: "x", props: { tags: [] } })).toEqual([]);
  });
});
