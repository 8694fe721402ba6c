import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import type { Viewer } from "../../../src/web/auth/web-auth.js";
import { renderBuildListPage } from "../../../src/web/build-list-page.js";
import { type BuildPageView, describeBuild, renderBuildPage } from "../../../src/web/build-page.js";
import { parseListQuery } from "../../../src/web/list-query.js";
import type { LogWindow } from "../../../src/web/log/log-window.js";

const HOSTILE = `<script>alert(1)</script>`;

function build(overrides: Partial<Build> = {}): Build {
  return {
    id: 12,
    repo: "app",
    branch: `feat/${HOSTILE}`,
    requestedRevision: null,
    sha: "a".repeat(40),
    requester: `<img src=x onerror=alert(1)>`,
    requesterId: "u1",
    channelId: "c1",
    channelName: HOSTILE,
    backend: "local",
    status: "running",
    createdAt: 0,
    startedAt: 1000,
    finishedAt: null,
    failingStep: null,
    reason: null,
    rebuildOf: null,
    external: {},
    steps: [
      {
        index: 0,
        name: `echo ${HOSTILE}`,
        status: "running",
        exitCode: null,
        startedAt: 1000,
        finishedAt: null,
      },
    ],
    ...overrides,
  };
}

function window(lines: string[], overrides: Partial<LogWindow> = {}): LogWindow {
  return {
    step: 0,
    start: 0,
    end: 10,
    firstLine: 1,
    lines,
    offsets: lines.map((_, i) => i),
    partial: false,
    size: 10,
    times: null,
    ...overrides,
  };
}

const readOnly: Viewer = { signInEnabled: false, user: null, csrf: null };
const signedOut: Viewer = { signInEnabled: true, user: null, csrf: null };
const signedIn: Viewer = { signInEnabled: true, user: "bob", csrf: "tok" };
const NO_COMMIT = { sha: null, title: null, author: null, url: null };

function page(
  viewer: Viewer,
  overrides: Partial<Build> = {},
  lines: string[] = [],
  view: Partial<BuildPageView> = {},
) {
  return renderBuildPage({
    build: build(overrides),
    windows: new Map([[0, window(lines)]]),
    viewer,
    now: 5000,
    live: { step: 1, offset: 10 },
    commit: NO_COMMIT,
    timed: false,
    ...view,
  });
}

describe("build page", () => {
  it('says "unsandboxed" for a build the runner ran without the sandbox, and only then', () => {
    expect(page(readOnly, { external: { sandbox: "none" } }, ["x"])).toContain(">unsandboxed</span>");
    expect(page(readOnly, { external: { sandbox: "bwrap" } }, ["x"])).not.toContain("unsandboxed");
    expect(page(readOnly, {}, ["x"])).not.toContain("unsandboxed");
  });

  it('says "no cgroup" for a sandboxed build that ran where no cgroup could be had, and only then', () => {
    expect(page(readOnly, { external: { sandbox: "bwrap", cgroup: "none" } }, ["x"])).toContain(
      ">no cgroup</span>",
    );
    expect(page(readOnly, { external: { sandbox: "bwrap", cgroup: "v2" } }, ["x"])).not.toContain(
      "no cgroup",
    );
    expect(page(readOnly, { external: { sandbox: "bwrap" } }, ["x"])).not.toContain("no cgroup");
  });

  it("escapes every value a person or a build controls", () => {
    const html = page(readOnly, {}, [HOSTILE, "\x1b[31m<b>red</b>\x1b[0m"]);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("<b>red");
    expect(html).toContain("feat/&lt;script&gt;");
    expect(html).toContain('<span class="a-f1">&lt;b&gt;red&lt;/b&gt;</span>');
    expect(html).toContain('id="L1-2"');
    expect(html).toContain('data-live="1:10"');
  });

  it("offers Stop and Rebuild only to a signed-in user, with the CSRF token", () => {
    expect(page(readOnly)).not.toMatch(/Stop build|>Rebuild<|Sign in/);
    const out = page(signedOut);
    expect(out).not.toContain("Stop build");
    expect(out).toContain("Sign in to stop or rebuild");
    const inside = page(signedIn);
    expect(inside).toContain('action="/builds/12/stop"');
    expect(inside).toContain('action="/builds/12/rebuild"');
    expect(inside).toContain('name="csrf" value="tok"');
    expect(page(signedIn, { status: "failed", finishedAt: 9000 })).not.toContain("Stop build");
  });

  it("names where a failed build opens, and marks that line", () => {
    const failed: Partial<Build> = {
      status: "failed",
      finishedAt: 9000,
      steps: [{ index: 0, name: "make", status: "failed", exitCode: 2, startedAt: 1000, finishedAt: 9000 }],
    };
    const html = page(readOnly, failed, ["cc x.c", "x.c:1: error: no", "make: *** failed"], {
      opening: { step: 1, line: 2, offset: 7 },
      live: null,
    });
    expect(html).toContain('data-open="L1-2"');
    expect(html).toMatch(/<div class="ln err hl" id="L1-2"/);
    expect(page(readOnly, failed, ["x"], { live: null })).toContain('data-open=""');
  });

  it("offers times only where the logs have them, and says why not for Buildbot", () => {
    expect(page(readOnly, {}, ["x"], { timed: true })).toMatch(/<input type="checkbox" id="show-times">/);
    const buildbot = page(readOnly, { backend: "buildbot" }, ["x"], { timed: false });
    expect(buildbot).toMatch(/id="show-times" disabled/);
    expect(buildbot).toContain("Buildbot&#39;s logs carry no per-line times");
  });

  it("hides the log tools until the page's script shows them, and sizes the search box", () => {
    const html = page(readOnly, {}, ["x"]);
    expect(html).toContain('<div class="log-tools" id="log-tools" hidden>');
    expect(html).toContain('action="/builds/12/search"');
    expect(html).toContain('maxlength="200"');
  });
});

describe("a live build event", () => {
  it("carries the header, the steps, and which steps to open", () => {
    const live = describeBuild(
      build({
        steps: [
          { index: 0, name: "a", status: "succeeded", exitCode: 0, startedAt: 1, finishedAt: 2 },
          { index: 1, name: "b", status: "running", exitCode: null, startedAt: 2, finishedAt: null },
        ],
      }),
      readOnly,
      5000,
      NO_COMMIT,
    );
    expect(live.sections.map((s) => [s.step, s.open])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(live.summary).toContain("Build #12");
    expect(live.summary).not.toContain("<script>");
  });
});

describe("build list", () => {
  it("escapes rows and keeps filters in the pager", () => {
    const html = renderBuildListPage({
      builds: [build()],
      more: true,
      query: parseListQuery({ branch: `x"><script>` }),
      repos: ["app"],
      viewer: readOnly,
      now: 5000,
    });
    expect(html).not.toContain("<script>");
    expect(html).toContain('value="x&quot;&gt;&lt;script&gt;"');
    expect(html).toContain('href="/?branch=x%22%3E%3Cscript%3E&amp;before=12"');
    expect(html).toContain('class="status s-running"');
  });
});
