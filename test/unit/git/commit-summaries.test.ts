import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoConfig } from "../../../src/config/config.js";
import { CommitSummaries } from "../../../src/git/commit-summaries.js";
import { GitRepoFixture } from "../../helpers/git-repo.js";

/** A real repository stands in for a mirror: the summaries read it as they read data_dir/git/<repo>.git. */
let repo: GitRepoFixture;
let sha: string;
const config = { name: "app" } as RepoConfig;

beforeAll(async () => {
  repo = await GitRepoFixture.create();
  sha = await repo.commit({ message: "Fix the <login> form\n\nA long body that is never shown." });
});

afterAll(() => repo.remove());

describe("CommitSummaries", () => {
  it("reads a commit's title (first line only) and author from the mirror", async () => {
    const summaries = new CommitSummaries({ repos: { app: config }, mirrorPath: () => repo.dir });
    expect(await summaries.read(config, sha)).toEqual({
      title: "Fix the <login> form",
      author: "Slashbuild Test",
    });
  });

  it("asks git once per commit: a commit never changes", async () => {
    let asked = 0;
    const summaries = new CommitSummaries({
      repos: { app: config },
      mirrorPath: () => {
        asked++;
        return repo.dir;
      },
    });
    await Promise.all([summaries.read(config, sha), summaries.read(config, sha)]);
    await summaries.read(config, sha);
    expect(asked).toBe(1);
  });

  it("answers null for what the mirror lacks, and asks again after a while (a fetch may bring it)", async () => {
    let now = 0;
    let asked = 0;
    const summaries = new CommitSummaries({
      repos: { app: config },
      mirrorPath: () => {
        asked++;
        return repo.dir;
      },
      clock: () => now,
    });
    const missing = "f".repeat(40);
    expect(await summaries.read(config, missing)).toBeNull();
    expect(await summaries.read(config, missing)).toBeNull();
    expect(asked).toBe(1);
    now += 61_000;
    await summaries.read(config, missing);
    expect(asked).toBe(2);
  });

  it("never runs git for anything but a full commit id, nor without a mirror", async () => {
    let asked = 0;
    const summaries = new CommitSummaries({
      repos: { app: config },
      mirrorPath: () => {
        asked++;
        return "/nonexistent/mirror.git";
      },
    });
    expect(await summaries.read(config, "--output=/tmp/x")).toBeNull();
    expect(await summaries.read(config, "HEAD")).toBeNull();
    expect(asked).toBe(0);
    expect(await summaries.read(config, sha)).toBeNull();
  });
});
