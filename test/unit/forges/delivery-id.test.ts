import { describe, expect, it } from "vitest";
import { deliveryId } from "../../../src/forges/delivery-id.js";

const headers = (values: Record<string, string>) => (name: string) => values[name];
const scheme = { deliveryHeaders: ["x-first-delivery", "x-second-delivery"] };

describe("deliveryId", () => {
  it("reads only the host's own headers, in the host's order", () => {
    expect(deliveryId(scheme, headers({ "x-second-delivery": "b", "x-first-delivery": "a" }))).toBe("a");
    expect(deliveryId(scheme, headers({ "x-second-delivery": "b" }))).toBe("b");
    expect(deliveryId(scheme, headers({ "x-github-delivery": "g-1" }))).toBeNull();
    expect(deliveryId({ deliveryHeaders: [] }, headers({ "x-first-delivery": "a" }))).toBeNull();
  });

  it("a value that is not a plain token counts as no id", () => {
    expect(deliveryId(scheme, headers({ "x-first-delivery": "a b" }))).toBeNull();
    expect(deliveryId(scheme, headers({ "x-first-delivery": "x".repeat(201) }))).toBeNull();
    expect(deliveryId(scheme, headers({ "x-first-delivery": "a\u0000b" }))).toBeNull();
    expect(deliveryId(scheme, headers({ "x-first-delivery": "x".repeat(200) }))).toBe("x".repeat(200));
  });
});
