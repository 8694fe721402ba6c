import { describe, expect, it } from "vitest";
import { formatBuildFinished } from "../../../../src/chat/mattermost/format-build-message.js";
import { makeBuild } from "../../../fakes/make-build.js";

const options = { publicUrl: "https://ci.example.com" };

describe("finish posts of Buildbot builds", () => {
  it("link to Buildbot's own build page beside slashbuild's", () => {
    const build = makeBuild({
      backend: "buildbot",
      status: "failed",
      failingStep: "make test",
      external: { url: "http://buildbot.example.com:8010/#/builders/1/builds/7", web_ui: true },
    });
    const post = formatBuildFinished(build, options);
    const fields = post.attachments?.[0]?.fields ?? [];
    expect(fields).toContainEqual({
      title: "Buildbot",
      value: "[build page](http://buildbot.example.com:8010/#/builders/1/builds/7)",
      short: true,
    });
    expect(JSON.stringify(post)).toContain("https://ci.example.com/builds/");
  });

  it("carry no Buildbot link for embedded builds, unsafe URLs, or a master without its web UI", () => {
    const local = formatBuildFinished(
      makeBuild({ status: "succeeded", external: { url: "http://x/", web_ui: true } }),
      options,
    );
    const forged = formatBuildFinished(
      makeBuild({
        backend: "buildbot",
        status: "succeeded",
        external: { url: "javascript:alert(1)", web_ui: true },
      }),
      options,
    );
    // Debian's master answers "Buildbot REST API only" there: slashbuild's own page is the only link.
    const noUi = formatBuildFinished(
      makeBuild({
        backend: "buildbot",
        status: "failed",
        external: { url: "http://bb:8010/#/builders/1/builds/7", web_ui: false },
      }),
      options,
    );
    expect(JSON.stringify(noUi)).toContain("https://ci.example.com/builds/");
    for (const post of [local, forged, noUi]) {
      expect(post.attachments?.[0]?.fields?.some((f) => f.title === "Buildbot")).toBe(false);
    }
  });
});
