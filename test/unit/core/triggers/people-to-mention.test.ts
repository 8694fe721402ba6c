import { describe, expect, it } from "vitest";
import type { ForgeConfig } from "../../../../src/config/config.js";
import { peopleToMention } from "../../../../src/core/triggers/people-to-mention.js";

const users: ForgeConfig = {
  kind: "github",
  apiUrl: null,
  token: "tok",
  webhookSecret: null,
  statusContext: "ci/slashbuild",
  mattermostUsers: { "carol@example.com": "carol.mm" },
};

describe("who a failed push mentions", () => {
  const push = (emails: (string | null)[]) => ({
    kind: "push" as const,
    forge: "github",
    pusher: "Dave",
    pusherLogin: "dave-gh",
    commits: emails.map((email, i) => ({
      sha: `${i}`.repeat(40),
      title: "t",
      authorName: "a",
      authorEmail: email,
    })),
    totalCommits: emails.length,
    compareUrl: null,
    tag: false,
  });

  it("mapped authors by their username, anyone unmapped through the pusher's login", () => {
    expect(peopleToMention(push(["carol@example.com", "CAROL@example.com"]), users)).toEqual(["carol.mm"]);
    expect(peopleToMention(push(["carol@example.com", "x@example.com"]), users)).toEqual([
      "carol.mm",
      "dave-gh",
    ]);
    expect(peopleToMention(push([null]), users)).toEqual(["dave-gh"]);
    expect(peopleToMention({ kind: "schedule", name: "nightly" }, users)).toEqual([]);
  });
});
