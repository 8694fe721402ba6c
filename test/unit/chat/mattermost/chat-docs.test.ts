import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { actionContextSchema } from "../../../../src/chat/mattermost/action-signature.js";

/** docs/chat.md's JSON examples show button contexts slashbuild would accept (not refused as malformed). */

const CHAT_MD = readFileSync(new URL("../../../../docs/chat.md", import.meta.url), "utf8");

function jsonBlocks(markdown: string): unknown[] {
  return [...markdown.matchAll(/^```json\n([\s\S]*?)^```$/gm)].map((match) => JSON.parse(match[1] ?? ""));
}

function contexts(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const item of value) contexts(item, out);
  else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "integration" && inner !== null && typeof inner === "object" && "context" in inner) {
        out.push(inner.context);
      } else contexts(inner, out);
    }
  }
  return out;
}

describe("docs/chat.md's button contexts", () => {
  const found = jsonBlocks(CHAT_MD).flatMap((block) => contexts(block));

  it("are shown at all", () => {
    expect(found.length).toBeGreaterThan(0);
  });

  it("each have the exact shape a click must carry, exp included", () => {
    for (const context of found) expect(actionContextSchema.safeParse(context).error).toBeUndefined();
  });
});
