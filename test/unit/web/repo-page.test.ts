import { describe, expect, it } from "vitest";
import type { RepoConfig } from "../../../src/config/config.js";
import type { Build } from "../../../src/core/build.js";
import type { BranchHead } from "../../../src/core/ports.js";
import type { Viewer } from "../../../src/web/auth/web-auth.js";
import { renderRepoIndex, renderRepoPage } from "../../../src/web/repo-page.js";
import { makeBuild } from "../../fakes/make-build.js";
import { makeConfig } from "../../helpers/make-config.js";

const HOSTILE = `<script>alert(1)</script>`;
const viewer: Viewer = { signInEnabled: false, user: null, csrf: null };
const repo = makeConfig().repos.app as RepoConfig;

function head(branch: string, latest: Partial<Build>, verdict: Partial<Build> | null): BranchHead {
  return {
    branch,
    recentId: verdict?.id ?? latest.id ?? 1,
    latest: makeBuild({ branch, ...latest }),
    verdict: verdict === null ? null : makeBuild({ branch, ...verdict }),
  };
}

function page(branches: BranchHead[], overrides: Partial<Parameters<typeof renderRepoPage>[0]> = {}): string {
  return renderRepoPage({
    repo,
    branches,
    newerUrl: null,
    olderUrl: null,
    recent: branches.map((h) => makeBuild({ ...h.latest, branch: h.branch })),
    publicUrl: "https://ci.example.com",
    viewer,
    now: 0,
    ...overrides,
  });
}

describe("the repo page", () => {
  it("lists branches with their latest verdict, and a newer build where there is one", () => {
    const html = page([
      head("main", { id: 9, status: "running" }, { id: 7, status: "succeeded" }),
      head("dev", { id: 8, status: "failed" }, { id: 8, status: "failed" }),
      head("new", { id: 10, status: "queued" }, null),
    ]);
    const rows = html.split("<tbody>")[1]?.split("</tbody>")[0]?.split("<tr>").slice(1) ?? [];
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('<code>main</code></a> <span class="muted">default</span>');
    expect(rows[0]).toMatch(/s-succeeded.*#7/s);
    expect(rows[0]).toMatch(/#9<\/a> <span class="status s-running"/);
    // The newest build is the verdict: nothing in the "newer build" column.
    expect(rows[1]).toMatch(/s-failed.*#8<\/a><\/td>\n<td><\/td>/s);
    expect(rows[2]).toContain("none yet");
    expect(rows[2]).toContain('href="/?repo=app&amp;branch=new"');
    expect(html).toContain('<a href="/?repo=app">All builds of app →</a>');
    expect(html).not.toContain("Older branches");
    expect(page([])).toContain("No branch of app has been built yet");
    expect(page([], { newerUrl: "/repos/app" })).toContain("No older branches.");
    const paged = page([head("x", { id: 1 }, null)], {
      olderUrl: "/repos/app?before=9",
      newerUrl: "/repos/app",
    });
    expect(paged).toContain('<a href="/repos/app?before=9" rel="next">Older branches →</a>');
    expect(paged).toContain('<a href="/repos/app">← Newest verdicts</a>');
  });

  it("offers the badge and its Markdown only for a repo with public_badge", () => {
    const branches = [head("main", { id: 1, status: "succeeded" }, { id: 1, status: "succeeded" })];
    expect(page(branches)).not.toContain("/badge/");
    const shown = page(branches, { repo: { ...repo, publicBadge: true, defaultBranch: "release/2.0" } });
    expect(shown).toContain('<img src="/badge/app/release/2.0.svg"');
    expect(shown).toContain("![build](https://ci.example.com/badge/app/release/2.0.svg)");
  });

  it("escapes branch names, requesters and everything else builds carry", () => {
    const html = page([head(HOSTILE, { id: 3, requester: HOSTILE, channelName: HOSTILE }, null)]);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });

  it("the repo index shows each repo's default branch verdict", () => {
    const html = renderRepoIndex(
      [
        { repo, head: head("main", { id: 2, status: "failed" }, { id: 2, status: "failed" }) },
        { repo: { ...repo, name: "other" }, head: undefined },
      ],
      viewer,
    );
    expect(html).toContain('<a href="/repos/app">app</a>');
    expect(html).toMatch(/s-failed.*#2/s);
    expect(html).toContain("never built");
  });
});
