import {
  DO_TAG_MAX_LENGTH,
  disallowedTagValues,
  hasTagName,
  invalidTags,
  isTaggableType,
  isUntaggableCostBearingType,
  missingRequiredKeys,
  parseTag,
  tagKeys,
  tagValuesOf,
  suggestedTags,
} from "../../core/tags";

describe("parseTag", () => {
  test.each([
    ["env:prod", { key: "env", value: "prod" }],
    ["web", { key: "web", value: null }],
    ["team:web:blue", { key: "team", value: "web:blue" }],
    ["env:", { key: "env", value: "" }],
    [":prod", { key: "", value: "prod" }],
  ])("%s", (tag, expected) => {
    expect(parseTag(tag)).toEqual(expected);
  });
});

describe("hasTagName and tagValuesOf: tags as DigitalOcean stores them (case-stable, so any case)", () => {
  it.each([
    [["protected"], true],
    [["Protected"], true],
    [["PROTECTED:until-q3"], true],
    [["protected:"], true],
    [["protected-db"], false],
    [["unprotected"], false],
    [["env:protected"], false],
  ])("hasTagName(%j, protected) is %s", (tags, expected) => {
    expect(hasTagName(tags, "protected")).toBe(expected);
  });

  it("matches a name that itself holds a colon", () => {
    expect(hasTagName(["Keep:Forever"], "keep:forever")).toBe(true);
    expect(hasTagName(["keep:later"], "keep:forever")).toBe(false);
  });

  it("reads the values of a key in any case, and only key:value tags", () => {
    expect(tagValuesOf(["expires:2026-12-01", "Expires:2026-12-02", "EXPIRES", "env:prod"], "expires")).toEqual(["2026-12-01", "2026-12-02"]);
  });
});

describe("tagKeys", () => {
  test.each([
    [["env:prod", "service:api", "env:staging"], ["env", "service"]],
    [["web", "env:prod"], ["env"]],
    [[], []],
  ])("%j → %j", (tags, expected) => {
    expect(tagKeys(tags)).toEqual(expected);
  });
});

describe("missingRequiredKeys", () => {
  const required = ["env", "service", "owner"];
  test.each([
    ["all present", ["env:prod", "service:api", "owner:ops"], []],
    ["one missing", ["env:prod", "service:api"], ["owner"]],
    ["empty value does not count", ["env:", "service:api", "owner:ops"], ["env"]],
    ["bare tag does not count", ["env", "service:api", "owner:ops"], ["env"]],
    ["keys are case-sensitive", ["Env:prod", "service:api", "owner:ops"], ["env"]],
    ["no tags", [], ["env", "service", "owner"]],
  ])("%s", (_case, tags, expected) => {
    expect(missingRequiredKeys(tags, required)).toEqual(expected);
  });
});

describe("invalidTags", () => {
  const longest = "a".repeat(DO_TAG_MAX_LENGTH);
  test.each([
    ["letters, digits, _ - :", ["env:prod", "team_a-1:x"], []],
    ["exactly 255 characters", [longest], []],
    ["256 characters", [`${longest}b`], [{ tag: `${longest}b`, reason: "is 256 characters long (max 255)" }]],
    ["space", ["env:prod eu"], [{ tag: "env:prod eu", reason: 'contains " " (allowed: letters, digits, "_", "-", ":")' }]],
    ["slash and dot, reported once each", ["a/b.c/d"], [{ tag: "a/b.c/d", reason: 'contains "/", "." (allowed: letters, digits, "_", "-", ":")' }]],
    ["empty", [""], [{ tag: "", reason: "is empty" }]],
  ])("%s", (_case, tags, expected) => {
    expect(invalidTags(tags)).toEqual(expected);
  });
});

describe("disallowedTagValues", () => {
  const allowed = { env: ["prod", "staging"] };
  test.each([
    ["allowed value", ["env:prod"], []],
    ["disallowed value", ["env:production"], [{ key: "env", value: "production", allowed: ["prod", "staging"] }]],
    ["key without an allow-list", ["owner:anyone"], []],
    ["bare tag", ["env"], []],
    ["prototype key is not an allow-list", ["constructor:x"], []],
  ])("%s", (_case, tags, expected) => {
    expect(disallowedTagValues(tags, allowed)).toEqual(expected);
  });
});

describe("suggestedTags", () => {
  const allowed = { env: ["prod", "staging"] };
  test.each([
    ["appends one placeholder per missing key", ["env:prod"], ["service", "owner"], {}, ["env:prod", "service:<service>", "owner:<owner>"]],
    ["a missing key with an allow-list shows the choices", [], ["env"], allowed, ["env:<prod|staging>"]],
    ["a disallowed value is replaced in place", ["team:a", "env:production"], [], allowed, ["team:a", "env:<prod|staging>"]],
    ["nothing to fix", ["env:prod"], [], allowed, ["env:prod"]],
  ])("%s", (_case, tags, missing, allowedValues, expected) => {
    expect(suggestedTags(tags, missing, allowedValues)).toEqual(expected);
  });
});

describe("resource type classification", () => {
  test.each([
    ["digitalocean:index/droplet:Droplet", true, false],
    ["digitalocean:index/databaseCluster:DatabaseCluster", true, false],
    ["digitalocean:index/volume:Volume", true, false],
    ["digitalocean:index/volumeSnapshot:VolumeSnapshot", true, false],
    ["digitalocean:index/customImage:CustomImage", true, false],
    ["digitalocean:index/kubernetesCluster:KubernetesCluster", true, false],
    ["digitalocean:index/kubernetesNodePool:KubernetesNodePool", true, false],
    ["digitalocean:index/app:App", false, true],
    ["digitalocean:index/loadBalancer:LoadBalancer", false, true],
    ["digitalocean:index/spacesBucket:SpacesBucket", false, true],
    ["digitalocean:index/reservedIp:ReservedIp", false, true],
    ["digitalocean:index/cdn:Cdn", false, true],
    ["digitalocean:index/containerRegistry:ContainerRegistry", false, true],
    // tags on these select droplets rather than label the resource; they are free besides
    ["digitalocean:index/firewall:Firewall", false, false],
    ["digitalocean:index/monitorAlert:MonitorAlert", false, false],
    ["digitalocean:index/project:Project", false, false],
  ])("%s taggable=%s untaggable-cost-bearing=%s", (type, taggable, untaggable) => {
    expect(isTaggableType(type)).toBe(taggable);
    expect(isUntaggableCostBearingType(type)).toBe(untaggable);
  });
});
