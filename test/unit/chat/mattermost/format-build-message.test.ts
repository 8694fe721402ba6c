import { describe, expect, it } from "vitest";
import { escapeMarkdown } from "../../../../src/chat/mattermost/escape-markdown.js";
import {
  formatBuildFinished,
  formatBuildStarted,
  MAX_POST_RUNES,
  mentionUser,
  truncateRunes,
} from "../../../../src/chat/mattermost/format-build-message.js";
import { type FinalStatus, STATUS_WORDS } from "../../../../src/core/build.js";
import { makeBuild } from "../../../fakes/make-build.js";

const options = { publicUrl: "http://ci.example.com:8080" };
const finished = (status: FinalStatus, extra = {}) =>
  makeBuild({ status, startedAt: 1_000_000, finishedAt: 1_185_000, ...extra });
const everything = (payload: unknown) => JSON.stringify(payload);

describe("formatBuildStarted", () => {
  it("names #N with its link, the repo, branch, short sha and requester", () => {
    const payload = formatBuildStarted(makeBuild(), options);
    expect(payload.text).toContain("[#12](http://ci.example.com:8080/builds/12)");
    expect(payload.text).toContain("**app**");
    expect(payload.text).toContain("**main**");
    expect(payload.text).toContain("`0123456789`");
    expect(payload.text).not.toContain("0123456789a");
    expect(payload.text).toContain("@alice");
    expect(payload.text).toContain("started");
    expect(payload.attachments?.[0]?.title_link).toBe("http://ci.example.com:8080/builds/12");
  });

  it("states no result word", () => {
    const text = everything(formatBuildStarted(makeBuild(), options));
    for (const word of ["succeeded", "failed", "cancelled", "timed out", "interrupted"])
      expect(text).not.toContain(word);
  });

  it("sets channel, username and icon when given, and nothing otherwise", () => {
    const payload = formatBuildStarted(makeBuild(), {
      ...options,
      channel: "ci-status",
      username: "slashbuild",
      iconUrl: "https://ci.example.com/icon.png",
    });
    expect(payload).toMatchObject({
      channel: "ci-status",
      username: "slashbuild",
      icon_url: "https://ci.example.com/icon.png",
    });
    const bare = formatBuildStarted(makeBuild(), options);
    expect(bare.channel).toBeUndefined();
    expect(bare.username).toBeUndefined();
  });
});

describe("formatBuildFinished", () => {
  const colours: Record<FinalStatus, string> = {
    succeeded: "good",
    failed: "danger",
    timed_out: "danger",
    cancelled: "warning",
    interrupted: "warning",
  };

  for (const status of Object.keys(colours) as FinalStatus[]) {
    it(`states exactly one result word for ${status}, with its colour`, () => {
      const payload = formatBuildFinished(finished(status), options);
      const text = everything(payload);
      expect(payload.text).toContain(STATUS_WORDS[status]);
      for (const other of Object.keys(colours) as FinalStatus[]) {
        if (other !== status) expect(text).not.toContain(STATUS_WORDS[other]);
      }
      expect(payload.attachments?.[0]?.color).toBe(colours[status]);
    });
  }

  it("names #N, repo, branch, short sha, requester and the duration", () => {
    const payload = formatBuildFinished(finished("succeeded"), options);
    expect(payload.text).toContain("[#12](http://ci.example.com:8080/builds/12)");
    expect(payload.text).toContain("**app**");
    expect(payload.text).toContain("`0123456789`");
    expect(payload.text).toContain("@alice");
    expect(payload.text).toContain("3m 05s");
  });

  it("names the failing command and shows a reason", () => {
    const payload = formatBuildFinished(
      finished("failed", { failingStep: "make test", reason: "exit code 2" }),
      options,
    );
    expect(payload.attachments?.[0]?.fields).toEqual([
      { title: "Failing command", value: "make test", short: false },
      { title: "Reason", value: "exit code 2", short: false },
    ]);
  });

  it("omits the duration of a build that has no finish time", () => {
    expect(formatBuildFinished(makeBuild({ status: "interrupted" }), options).text).not.toContain(" after ");
  });
});

describe("hostile input", () => {
  it("cannot inject links, mentions or Slack syntax through the branch", () => {
    const branch = "x[click](http://evil)@channel<!here>*b*_i_`c`~town-square|#h";
    const payload = formatBuildFinished(
      finished("failed", { branch, failingStep: "<!channel> @all" }),
      options,
    );
    const text = everything(payload);
    expect(text).not.toContain("[click](");
    expect(text).not.toMatch(/@(channel|all|here)\b/);
    expect(text).not.toMatch(/<!/);
    expect(text).not.toMatch(/~town/);
    expect(payload.text).toContain("\\[click\\]");
    expect(payload.text).toContain("\\*b\\*");
  });

  it("does not turn a hostile requester into a mention", () => {
    expect(mentionUser("alice")).toBe("@alice");
    expect(mentionUser("channel")).not.toBe("@channel");
    expect(mentionUser("all")).not.toMatch(/^@all$/);
    expect(mentionUser("x](http://evil)")).not.toMatch(/(?<!\\)\]\(/);
    const payload = formatBuildStarted(makeBuild({ requester: "here" }), options);
    expect(everything(payload)).not.toMatch(/@here\b/);
  });

  it("keeps a reason on its own lines but drops control and bidi characters", () => {
    expect(escapeMarkdown("a\nb\u202ec\u0007", { multiline: true })).toBe("a\nbc ");
    expect(escapeMarkdown("a\nb")).toBe("a b");
    expect(escapeMarkdown("R&D <x>")).toBe("R&amp;D &lt;x&gt;");
  });
});

describe("masking", () => {
  it("masks every secret wherever it appears", () => {
    const secrets = ["s3cr3t_value", "tok"];
    const build = finished("failed", {
      branch: "leak-s3cr3t_value",
      failingStep: "curl -H tok https://x",
      reason: "denied for s3cr3t_value",
      requester: "tok",
    });
    const text = everything(formatBuildFinished(build, { ...options, secrets, channel: "s3cr3t_value" }));
    expect(text).not.toContain("s3cr3t_value");
    expect(text).not.toContain("s3cr3t\\\\_value");
    expect(text).not.toMatch(/tok/);
    expect(text).toContain("\\\\*\\\\*\\\\*");
  });
});

describe("limits", () => {
  it("keeps the post text within Mattermost's 16383 runes and caps a long reason", () => {
    const payload = formatBuildFinished(
      finished("failed", { branch: "😀".repeat(20_000), reason: "r".repeat(50_000) }),
      options,
    );
    expect(Array.from(payload.text ?? "").length).toBeLessThanOrEqual(MAX_POST_RUNES);
    expect(String(payload.attachments?.[0]?.fields?.[1]?.value).length).toBeLessThanOrEqual(2000);
  });

  it("truncates by runes, never splitting a surrogate pair", () => {
    const cut = truncateRunes("😀".repeat(10), 5);
    expect(Array.from(cut)).toEqual(["😀", "😀", "😀", "😀", "…"]);
    expect(truncateRunes("short", 5)).toBe("short");
  });
});
