import { describe, expect, it } from "vitest";
import type { RepoConfig } from "../../../../src/config/config.js";
import { matchRepos } from "../../../../src/core/triggers/match-repo.js";

function repo(name: string, overrides: Partial<RepoConfig>): RepoConfig {
  return {
    name,
    url: `https://git.example.com/${name}.git`,
    forge: "github",
    fullName: null,
    ...overrides,
  } as RepoConfig;
}

describe("matchRepos", () => {
  const app = repo("app", { fullName: "Acme/App" });
  const lib = repo("lib", { url: "https://github.com/acme/lib.git" });
  const other = repo("other", { forge: "gitlab", fullName: "acme/app" });
  const repos = [app, lib, other];

  it("finds a repo by its full name, whatever the case, or by a clone URL, without .git or a trailing /", () => {
    expect(matchRepos(repos, "github", { fullName: "acme/app", cloneUrls: [], projectId: null })).toEqual([
      app,
    ]);
    expect(
      matchRepos(repos, "github", {
        fullName: "acme/library",
        cloneUrls: ["https://GitHub.com/acme/lib/"],
        projectId: null,
      }),
    ).toEqual([lib]);
  });

  it("only among the repos on the host the webhook came from", () => {
    expect(matchRepos(repos, "gitlab", { fullName: "acme/app", cloneUrls: [], projectId: 4 })).toEqual([
      other,
    ]);
    expect(matchRepos(repos, "gitea", { fullName: "acme/app", cloneUrls: [], projectId: null })).toEqual([]);
  });

  it("by nothing else: a name that only contains a repo's, or its configured name, matches nothing", () => {
    for (const fullName of ["acme/app-fork", "app", "evil/acme/app"])
      expect(
        matchRepos(repos, "github", { fullName, cloneUrls: ["https://evil.example/x.git"], projectId: null }),
      ).toEqual([]);
  });
});
