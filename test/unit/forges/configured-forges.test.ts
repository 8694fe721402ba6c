import { describe, expect, it } from "vitest";
import {
  commitLinksOf,
  configuredForges,
  hostNames,
  pullRequestHeadsOf,
} from "../../../src/forges/configured-forges.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import { makeConfig } from "../../helpers/make-config.js";

const secret = "webhook-secret-0123456789";
const repo = { url: "/srv/app.git", commands: ["true"] };

function problems(forges: Record<string, unknown>): string {
  try {
    configuredForges(makeConfig({ forges, repos: { app: repo } }), FORGE_HOSTS);
    return "";
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}

describe("the forges: section against the host list", () => {
  it("each entry gets its host and the host's default API base, or its own", () => {
    const forges = configuredForges(
      makeConfig({
        forges: {
          github: {},
          gitlab: { api_url: "https://gl.example.com/api/v4/" },
          gitea: { api_url: "https://gt/api/v1" },
        },
        repos: { app: { ...repo, forge: "github" } },
      }),
      FORGE_HOSTS,
    );
    expect([...forges].map(([name, f]) => [name, f.host.name, f.apiUrl])).toEqual([
      ["github", "github", "https://api.github.com"],
      ["gitlab", "gitlab", "https://gl.example.com/api/v4"],
      ["gitea", "gitea", "https://gt/api/v1"],
    ]);
  });

  it("a name no host has is CONFIG_INVALID, listing the hosts (Forgejo under gitea), never another host's behaviour", () => {
    expect(problems({ bitbucket: { webhook_secret: secret } })).toBe(
      "CONFIG_INVALID: config is invalid:\n  - forges.bitbucket: slashbuild serves no Git host named bitbucket: use github (GitHub), gitea (Gitea, Forgejo) or gitlab (GitLab)",
    );
    expect(problems({ forgejo: {} })).toMatch(/no Git host named forgejo: .*gitea \(Gitea, Forgejo\)/);
    // Names an object inherits are no hosts either.
    expect(problems({ constructor: {} })).toMatch(/no Git host named constructor/);
  });

  it("a host without a public instance needs api_url, with the host's example", () => {
    expect(problems({ gitea: { webhook_secret: secret } })).toBe(
      "CONFIG_INVALID: config is invalid:\n  - forges.gitea.api_url: is required for Gitea: the API base, e.g. https://git.example.com/api/v1",
    );
    expect(problems({ gitea: { api_url: "https://gt/api/v1" } })).toBe("");
  });

  it("a host filed under another's name in a hand-made list is not used", () => {
    const config = makeConfig({ forges: { github: {} }, repos: { app: repo } });
    expect(() => configuredForges(config, { github: FORGE_HOSTS.gitlab })).toThrow(
      /no Git host named github/,
    );
  });

  it("the mirror fetches each repo's pull request heads from where its host publishes them", () => {
    const config = makeConfig({
      forges: { github: {}, gitlab: {} },
      repos: { a: { ...repo, forge: "github" }, b: { ...repo, forge: "gitlab" }, c: repo },
    });
    const heads = pullRequestHeadsOf(configuredForges(config, FORGE_HOSTS));
    expect(Object.values(config.repos).map(heads)).toEqual([
      "refs/pull/*/head",
      "refs/merge-requests/*/head",
      null,
    ]);
  });

  it("chat keeps every host's names capitalised", () => {
    expect(hostNames(FORGE_HOSTS)).toEqual(["GitHub", "Gitea", "Forgejo", "GitLab"]);
  });

  it("links a commit to its repo's Git host when the host and the repo's name there are known", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const config = makeConfig({
      forges: { github: {}, gitlab: { api_url: "https://gitlab.example.com/api/v4" } },
      repos: {
        a: { ...repo, url: "https://github.com/acme/a.git", forge: "github" },
        b: { ...repo, forge: "gitlab", full_name: "group/b" },
        c: { ...repo, url: "/srv/git/c.git" },
      },
    });
    const link = commitLinksOf(config, configuredForges(config, FORGE_HOSTS));
    expect(link("a", sha)).toBe(`https://github.com/acme/a/commit/${sha}`);
    expect(link("b", sha)).toBe(`https://gitlab.example.com/group/b/-/commit/${sha}`);
    // No forge, or a name that cannot be told from a local path: no link.
    expect(link("c", sha)).toBeNull();
    expect(link("nope", sha)).toBeNull();
  });
});
