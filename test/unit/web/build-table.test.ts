import { describe, expect, it } from "vitest";
import type { Build } from "../../../src/core/build.js";
import { buildTable, triggerText } from "../../../src/web/build-table.js";
import { makeBuild } from "../../fakes/make-build.js";

const HOSTILE = `<script>alert(1)</script>`;

describe("the build table (list page, repo pages)", () => {
  it("shows each build's trigger, backend and duration", () => {
    const builds: Build[] = [
      makeBuild({ id: 5, status: "succeeded", startedAt: 1000, finishedAt: 66_000, backend: "buildbot" }),
      makeBuild({ id: 4, status: "running", startedAt: 1000, finishedAt: null, rebuildOf: 2 }),
      makeBuild({ id: 3, status: "queued", startedAt: null }),
    ];
    const table = buildTable(builds, 31_000, "Builds").value;
    const rows = table.split("<tr>").slice(2);
    expect(rows[0]).toMatch(/<td class="wide">buildbot<\/td>/);
    expect(rows[0]).toMatch(/<td class="num">1m 05s<\/td>/);
    expect(rows[1]).toContain('rebuild of <a href="/builds/2">#2</a>');
    // Running: how long so far; queued: nothing yet.
    expect(rows[1]).toMatch(/<td class="num">30s<\/td>/);
    expect(rows[2]).toMatch(/<td class="num">—<\/td>/);
    expect(table).toContain('<th scope="col" class="wide">Trigger</th>');
    expect(table).toContain('<th scope="col" class="wide">Backend</th>');
    expect(table).toContain('<a href="/repos/app">app</a>');
  });

  it.each([
    [{ trigger: null }, "typed in ~town-square"],
    [
      {
        trigger: {
          kind: "push",
          forge: "github",
          pusher: "Bob",
          pusherLogin: "bob",
          commits: [],
          totalCommits: 1,
          compareUrl: null,
          tag: false,
        },
      },
      "push",
    ],
    [
      {
        trigger: {
          kind: "push",
          forge: "github",
          pusher: "Bob",
          pusherLogin: "bob",
          commits: [],
          totalCommits: 1,
          compareUrl: null,
          tag: true,
        },
      },
      "tag push",
    ],
    [
      {
        trigger: {
          kind: "pull_request",
          forge: "gitlab",
          number: 7,
          title: HOSTILE,
          url: null,
          author: "carol",
          fork: false,
          headRef: "refs/merge-requests/7/head",
          noun: "Merge request",
          reference: "!7",
        },
      },
      "Merge request !7",
    ],
    [
      { trigger: { kind: "schedule", name: HOSTILE } },
      `<span title="&lt;script&gt;alert(1)&lt;/script&gt;">schedule</span>`,
    ],
  ] as [Partial<Build>, string][])("trigger %#: %s", (fields, text) => {
    expect(triggerText(makeBuild(fields)).value).toBe(text);
  });

  it("escapes what builds carry", () => {
    const table = buildTable(
      [makeBuild({ branch: HOSTILE, requester: HOSTILE, channelName: HOSTILE, repo: "a&b" })],
      0,
      HOSTILE,
    ).value;
    expect(table).not.toContain("<script>");
    expect(table).toContain('href="/repos/a%26b"');
  });
});
