import { knownInputs, readTags } from "../../policies/support";
import { engineProps, UNKNOWN } from "../support/policy-fixtures";

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
