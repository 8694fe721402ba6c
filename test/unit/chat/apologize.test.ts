import { describe, expect, it } from "vitest";
import { apologize, replyText } from "../../../src/chat/apologize.js";

/** The Git hosts' and chat platforms' names come from their lists; chat lists none of them itself. */
const HOSTS = ["GitHub", "Gitea", "Forgejo", "GitLab", "Mattermost"];

describe("apologize", () => {
  it("puts Sorry in front of a refusal, lower-casing an ordinary first word", () => {
    expect(apologize("There is no build #9.", HOSTS)).toBe("Sorry, there is no build #9.");
    expect(apologize("Branch `x` does not exist in app.", HOSTS)).toBe(
      "Sorry, branch `x` does not exist in app.",
    );
  });

  it("keeps names, identifiers and an existing apology as they are", () => {
    expect(apologize("Buildbot at http://bb is not available.", HOSTS)).toBe(
      "Sorry, Buildbot at http://bb is not available.",
    );
    expect(apologize("app builds on buildbot", HOSTS)).toBe("Sorry, app builds on buildbot");
    expect(apologize("`/build` works only in ~ci.", HOSTS)).toBe("Sorry, `/build` works only in ~ci.");
    expect(apologize("Sorry, already said.", HOSTS)).toBe("Sorry, already said.");
  });

  it("keeps the names it is given, whole words only: a new Git host's name needs no edit here", () => {
    expect(apologize("Forgejo refused the status.", HOSTS)).toBe("Sorry, Forgejo refused the status.");
    expect(apologize("Forgejo refused the status.", [])).toBe("Sorry, forgejo refused the status.");
    expect(apologize("Tinyforge is down.", ["Tinyforge"])).toBe("Sorry, Tinyforge is down.");
    expect(apologize("Gitealike words start here.", HOSTS)).toBe("Sorry, gitealike words start here.");
  });

  it("words the core's queue refusals, which carry no apology of their own (issue 19)", () => {
    expect(apologize("You already have 3 builds waiting to start.", HOSTS)).toBe(
      "Sorry, you already have 3 builds waiting to start.",
    );
    expect(apologize("Mattermost does not know you.", HOSTS)).toBe("Sorry, Mattermost does not know you.");
  });

  it("applies to refusals only", () => {
    expect(replyText({ visibility: "ephemeral", text: "Queued build #1." }, HOSTS)).toBe("Queued build #1.");
    expect(replyText({ visibility: "ephemeral", text: "No such build.", refusal: true }, HOSTS)).toBe(
      "Sorry, no such build.",
    );
  });
});
