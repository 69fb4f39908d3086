import { UnknownValueError } from "@pulumi/policy";
import { knownInputs, readTags } from "../../policies/support";
import { engineProps, UNKNOWN } from "../support/policy-fixtures";

// The SDK's own markers (internal to @pulumi/policy, so only a test reads them): support.ts reads
// inputs past the SDK's proxy and must recognise exactly what the proxy would refuse to read.
const sdkMarkers = Object.entries(require("@pulumi/policy/proxy") as Record<string, unknown>)
  .filter(([name]) => /^unknown\w+Value$/.test(name))
  .map(([, value]) => value as string);

/** The reference: a deep read through the SDK's unknown-checking proxy, unknowns left out and their paths recorded. */
function throughTheProxy(value: unknown, where: string, paths: string[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  const read = (key: string | number, path: string): [boolean, unknown] => {
    try {
      return [true, throughTheProxy((value as Record<string | number, unknown>)[key], path, paths)];
    } catch (error) {
      if (!(error instanceof UnknownValueError)) throw error;
      paths.push(path);
      return [false, undefined];
    }
  };
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let index = 0; index < value.length; index++) {
      const [known, item] = read(index, `${where}[${index}]`);
      if (known) items.push(item);
    }
    return items;
  }
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const [known, item] = read(key, where === "" ? key : `${where}.${key}`);
    if (known) record[key] = item;
  }
  return record;
}

test("the unknown markers are the SDK's, and reading past its proxy gives what reading through it gives", () => {
  expect(sdkMarkers).toHaveLength(7);
  expect(sdkMarkers).toContain(UNKNOWN);
  const [bool, number, string, array, asset, archive, object] = sdkMarkers;
  const fixture = {
    known: "nyc3",
    count: 3,
    flag: true,
    none: null,
    bool,
    number,
    string,
    array,
    asset,
    archive,
    object,
    nested: { list: ["a", string, { deep: number, keep: 1 }, [array, "b"]], map: { x: object, y: "z" } },
  };
  const expectedPaths: string[] = [];
  const expected = throughTheProxy(engineProps(fixture), "", expectedPaths);
  const { inputs, unknownPaths } = knownInputs(engineProps(fixture));
  expect({ ...inputs }).toEqual(expected);
  expect([...unknownPaths].sort()).toEqual([...expectedPaths].sort());
  expect(unknownPaths).toHaveLength(11); // seven at the top, four nested
});

describe("knownInputs", () => {
  const props = () =>
    engineProps({
      size: UNKNOWN,
      image: UNKNOWN,
      region: "nyc3",
      spec: { services: [{ name: "web", instanceCount: UNKNOWN, envs: [{ key: "A", value: UNKNOWN }] }] },
    });

  test("copies what is read, leaves unknowns out and names where they were", () => {
    const { inputs, unknownPaths } = knownInputs(props());
    expect(inputs.region).toBe("nyc3");
    expect(inputs.size).toBeUndefined();
    expect(inputs.spec).toEqual({ services: [{ name: "web", envs: [{ key: "A" }] }] });
    // A protobuf Struct keeps keys in its own order: compare as a set.
    expect([...unknownPaths].sort()).toEqual(["size", "spec.services[0].envs[0].value", "spec.services[0].instanceCount"]);
  });

  test("records only the inputs read: an unknown image nobody reads is not named", () => {
    const { inputs, unknownPaths } = knownInputs(props());
    void inputs.size;
    void inputs.size;
    expect(unknownPaths).toEqual(["size"]);
  });

  test("enumerates as a plain object of its known inputs, and refuses writes", () => {
    const { inputs } = knownInputs(props());
    expect(Object.keys(inputs).sort()).toEqual(["region", "spec"]);
    expect("image" in inputs).toBe(false);
    expect(() => {
      "use strict";
      inputs.region = "ams3";
    }).toThrow(TypeError);
  });
});

describe("readTags", () => {
  test("known tags, and whether any entry is unknown", () => {
    expect(readTags(engineProps({ tags: ["env:prod", UNKNOWN, "owner:kitchen"] }), "tags")).toEqual({ tags: ["env:prod", "owner:kitchen"], anyUnknown: true });
    expect(readTags(engineProps({ tags: UNKNOWN }), "tags")).toEqual({ tags: [], anyUnknown: true });
    expect(readTags(engineProps({}), "tags")).toEqual({ tags: [], anyUnknown: false });
  });

  test("a malformed list is named at its path", () => {
    expect(readTags(engineProps({ nodePool: { tags: ["a", 3] } }).nodePool as object, "tags", "nodePool.tags")).toEqual({
      tags: [],
      anyUnknown: false,
      malformed: "nodePool.tags must hold strings only (got 3)",
    });
  });
});
