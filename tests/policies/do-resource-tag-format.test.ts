import { doResourceTagFormat } from "../../policies/do-resource-tag-format";
import { compliantDroplet, runResourcePolicy, UNKNOWN } from "../support/policy-fixtures";

const FIX = 'Fix: use only letters, digits, "_", "-" and ":" (e.g. "env:prod-eu", not "env:prod eu"), at most 255 characters.';

test("compliant droplet: no violations", async () => {
  expect(await runResourcePolicy(doResourceTagFormat, compliantDroplet())).toEqual([]);
});

describe("one mutation, one violation", () => {
  const tooLong = `note:${"x".repeat(251)}`; // 5 + 251 = 256 characters, one over DigitalOcean's 255
  test.each([
    ["a space in a value", { tags: ["env:prod eu"] }, `Droplet "worker-1" has tags DigitalOcean will reject: "env:prod eu" contains " " (allowed: letters, digits, "_", "-", ":"). ${FIX}`],
    ["256 characters", { tags: [tooLong] }, `Droplet "worker-1" has tags DigitalOcean will reject: "${tooLong}" is 256 characters long (max 255). ${FIX}`],
    ["tags is not a list", { tags: 42 }, `Droplet "worker-1" has tags DigitalOcean will reject: tags must be a list of strings (got 42). ${FIX}`],
  ])("%s", async (_case, mutation, message) => {
    const droplet = compliantDroplet();
    expect(await runResourcePolicy(doResourceTagFormat, { ...droplet, props: { ...droplet.props, ...mutation } })).toEqual([{ message }]);
  });

  test("a Kubernetes cluster's default node pool tags are checked too", async () => {
    const cluster = { type: "digitalocean:index/kubernetesCluster:KubernetesCluster", name: "k8s", props: { tags: ["env:prod"], nodePool: { name: "default", size: "s-2vcpu-4gb", nodeCount: 2, tags: ["team/a"] } } };
    expect(await runResourcePolicy(doResourceTagFormat, cluster)).toEqual([
      { message: `KubernetesCluster "k8s" has tags DigitalOcean will reject: "team/a" contains "/" (allowed: letters, digits, "_", "-", ":"). ${FIX}` },
    ]);
  });

  test("a Tag resource's name is a tag", async () => {
    const tag = { type: "digitalocean:index/tag:Tag", name: "prod", props: { name: "env:prod!" } };
    expect(await runResourcePolicy(doResourceTagFormat, tag)).toEqual([
      { message: `Tag "prod" has tags DigitalOcean will reject: "env:prod!" contains "!" (allowed: letters, digits, "_", "-", ":"). ${FIX}` },
    ]);
  });
});

describe("not reported", () => {
  test("unknown tags are skipped, known ones still checked", async () => {
    expect(await runResourcePolicy(doResourceTagFormat, compliantDroplet("worker-1", [UNKNOWN, "env:prod"]))).toEqual([]);
  });

  test("firewall tags are tag names too and pass when valid", async () => {
    expect(await runResourcePolicy(doResourceTagFormat, { type: "digitalocean:index/firewall:Firewall", name: "fw", props: { tags: ["service:worker"] } })).toEqual([]);
  });

  test("non-DigitalOcean resources are not checked", async () => {
    expect(await runResourcePolicy(doResourceTagFormat, { type: "aws:s3/bucket:Bucket", name: "b", props: { tags: ["a b"] } })).toEqual([]);
  });
});
