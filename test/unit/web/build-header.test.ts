import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import type { BuildTrigger } from "../../../src/core/triggers/trigger.js";
import type { Viewer } from "../../../src/web/auth/web-auth.js";
import { renderSummary } from "../../../src/web/build-header.js";
import type { CommitView } from "../../../src/web/trigger-view.js";
import { makeBuild } from "../../fakes/make-build.js";

const viewer: Viewer = { signInEnabled: false, user: null, csrf: null };
const SHA = "0123456789abcdef0123456789abcdef01234567";

function header(build: Partial<Build>, commit: Partial<CommitView> = {}): string {
  const full: CommitView = { sha: SHA, title: null, author: null, url: null, ...commit };
  return renderSummary(makeBuild(build), viewer, 5000, full).value;
}

const push: BuildTrigger = {
  kind: "push",
  forge: "github",
  pusher: "Alice <b>",
  pusherLogin: "alice",
  commits: [],
  totalCommits: 3,
  compareUrl: "https://github.com/o/r/compare/a...b",
  tag: false,
};

describe("build header", () => {
  it("names the commit: short sha linked to its Git host, title and author, all escaped", () => {
    const html = header(
      {},
      { title: "Fix <login>", author: "Bob & co", url: `https://github.com/o/r/commit/${SHA}` },
    );
    expect(html).toContain(
      `<a href="https://github.com/o/r/commit/${SHA}" rel="noopener"><code title="${SHA}">0123456789</code></a>`,
    );
    expect(html).toContain('<span class="commit-title">Fix &lt;login&gt;</span>');
    expect(html).toContain("by Bob &amp; co");
    // A link that is not http(s) is never made.
    expect(header({}, { url: "javascript:alert(1)" })).not.toContain("javascript:");
    expect(header({ sha: null }, { sha: null })).toContain("not resolved yet");
  });

  it("says what started the build, a push with its compare link included", () => {
    expect(header({})).toMatch(/Typed in <strong>~town-square<\/strong> by <strong>@alice<\/strong>/);
    const pushed = header({ trigger: push, requester: "alice", channelName: "" });
    expect(pushed).toContain("Pushed by Alice &lt;b&gt; (3 commits) · ");
    expect(pushed).toContain('<a href="https://github.com/o/r/compare/a...b" rel="noopener">compare</a>');
    expect(pushed).not.toContain("in ~");
    expect(header({ rebuildOf: 7, channelId: "web" })).toContain(
      'Rebuild of <a href="/builds/7">#7</a>, asked on the web by <strong>@alice</strong>',
    );
  });

  it("links Buildbot's page only when the master that ran the build serves its UI", () => {
    const url = "http://bb:8010/#/builders/1/builds/3";
    expect(header({ backend: "buildbot", external: { url, web_ui: true } })).toContain(`href="${url}"`);
    expect(header({ backend: "buildbot", external: { url, web_ui: false } })).not.toContain(
      "open in Buildbot",
    );
    expect(header({ backend: "buildbot", external: { url } })).not.toContain("open in Buildbot");
    expect(
      header({ backend: "buildbot", external: { url: "javascript:alert(1)", web_ui: true } }),
    ).not.toContain("javascript:");
  });

  it("writes times machine-readable, in UTC for browsers without scripts", () => {
    expect(header({ createdAt: Date.UTC(2026, 0, 2, 3, 4, 5) })).toContain(
      '<time datetime="2026-01-02T03:04:05.000Z" title="2026-01-02 03:04:05 UTC">2026-01-02 03:04:05 UTC</time>',
    );
  });
});
