import { describe, expect, it } from "vitest";
import { apologize, replyText } from "../../../../src/chat/mattermost/apologize.js";

describe("apologize", () => {
  it("puts Sorry in front of a refusal, lower-casing an ordinary first word", () => {
    expect(apologize("There is no build #9.")).toBe("Sorry, there is no build #9.");
    expect(apologize("Branch `x` does not exist in app.")).toBe("Sorry, branch `x` does not exist in app.");
  });

  it("keeps names, identifiers and an existing apology as they are", () => {
    expect(apologize("Buildbot at http://bb is not available.")).toBe(
      "Sorry, Buildbot at http://bb is not available.",
    );
    expect(apologize("app builds on buildbot")).toBe("Sorry, app builds on buildbot");
    expect(apologize("`/build` works only in ~ci.")).toBe("Sorry, `/build` works only in ~ci.");
    expect(apologize("Sorry, already said.")).toBe("Sorry, already said.");
  });

  it("applies to refusals only", () => {
    expect(replyText({ visibility: "ephemeral", text: "Queued build #1." })).toBe("Queued build #1.");
    expect(replyText({ visibility: "ephemeral", text: "No such build.", refusal: true })).toBe(
      "Sorry, no such build.",
    );
  });
});
