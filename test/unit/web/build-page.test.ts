import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import type { Viewer } from "../../../src/web/auth/web-auth.js";
import { renderBuildListPage } from "../../../src/web/build-list-page.js";
import { renderBuildPage } from "../../../src/web/build-page.js";
import { parseListQuery } from "../../../src/web/list-query.js";

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

const readOnly: Viewer = { signInEnabled: false, user: null, csrf: null };
const signedOut: Viewer = { signInEnabled: true, user: null, csrf: null };
const signedIn: Viewer = { signInEnabled: true, user: "bob", csrf: "tok" };

function page(viewer: Viewer, overrides: Partial<Build> = {}, lines: string[] = []) {
  const windows = new Map([
    [
      0,
      {
        step: 0,
        start: 0,
        end: 10,
        firstLine: 1,
        lines,
        offsets: lines.map((_, i) => i),
        partial: false,
        size: 10,
      },
    ],
  ]);
  return renderBuildPage({
    build: build(overrides),
    windows,
    viewer,
    now: 5000,
    live: { step: 1, offset: 10 },
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
    expect(page(readOnly)).not.toMatch(/Stop build|Rebuild|Sign in/);
    const out = page(signedOut);
    expect(out).not.toContain("Stop build");
    expect(out).toContain("Sign in to stop or rebuild");
    const inside = page(signedIn);
    expect(inside).toContain('action="/builds/12/stop"');
    expect(inside).toContain('action="/builds/12/rebuild"');
    expect(inside).toContain('name="csrf" value="tok"');
    expect(page(signedIn, { status: "failed", finishedAt: 9000 })).not.toContain("Stop build");
  });

  it("links a Buildbot build to Buildbot's own page, but only an http(s) URL", () => {
    expect(
      page(readOnly, { backend: "buildbot", external: { url: "http://bb:8010/#/builders/1/builds/3" } }),
    ).toContain('href="http://bb:8010/#/builders/1/builds/3"');
    expect(page(readOnly, { external: { url: "javascript:alert(1)" } })).not.toContain("javascript:");
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
