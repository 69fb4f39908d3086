import { bodyExceeds, entryBytesLeft, jsonBytesLeft } from "../../../functions/src/dashboard/body-limit";

// Values as JSON.parse makes them (what a non-raw web action's gateway hands over).
const PARSED: [string, Record<string, unknown>][] = [
  ["an empty object", {}],
  ["a threshold", { amountUsd: 75.5, email: ["ops@example.com", "finance@example.com"], slack: [{ channel: "#billing", url: "https://hooks.slack.com/services/T/B/X" }], enabled: false }],
  ["empty and nested lists", { a: [], b: [[], [[]], [1, [2, [3]]]], c: {} }],
  ["numbers, booleans and null", { n: -0.000123, big: 1e21, t: true, f: false, z: null, i: 12345678901234 }],
  ["multi-byte text in keys and values", { "clé": "café", "€uro": "😀 ∑ 中文", emoji: ["👍🏽", "ü"] }],
  ["characters JSON leaves as they are", { path: "a/b", plain: "text with U+2028 \u2028 and DEL \u007f" }],
  ["characters JSON escapes", { 'q"uote\\': 'back\\slash "quoted"\n\t\b\f\r \u0001 \u001f', lone: "\ud800x", lone2: "x\udc00", pair: "\ud83d\ude00" }],
];

describe("bodyExceeds measures a parsed body as the length of its JSON text, exactly", () => {
  it.each(PARSED)("%s: within at its own length, over one byte below it", (_case, value) => {
    const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
    expect([bodyExceeds(value, bytes), bodyExceeds(value, bytes - 1)]).toEqual([false, true]);
    expect(jsonBytesLeft(value, bytes)).toBe(0);
  });

  it("measures raw text by its UTF-8 bytes", () => {
    expect([bodyExceeds("€€", 6), bodyExceeds("€€", 5)]).toEqual([false, true]);
  });

  it("entryBytesLeft, one entry at a time with a comma between, adds up to the whole object's length", () => {
    const [, value] = PARSED[1]!;
    let left = jsonBytesLeft({}, 1000);
    Object.entries(value).forEach(([key, item], i) => {
      left = entryBytesLeft(key, item, left - (i === 0 ? 0 : 1));
    });
    expect(1000 - left).toBe(Buffer.byteLength(JSON.stringify(value)));
  });

  it("stops at the limit instead of walking the rest of 200,000 keys or 10 MiB of text", () => {
    const huge: Record<string, number> = {};
    for (let i = 0; i < 200_000; i++) huge[`k${i}`] = i;
    const text = "x".repeat(10 * 1024 * 1024);
    // Negative, and barely: the walk stopped at the first entry over the limit.
    expect(jsonBytesLeft(huge, 1024)).toBeGreaterThan(-20);
    expect(jsonBytesLeft({ text }, 1024)).toBe(-1);
    expect(bodyExceeds(text, 1024)).toBe(true);
  });
});
