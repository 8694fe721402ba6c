import { describe, expect, it } from "vitest";
import { fullNameFromUrl } from "../../../src/config/load-config.js";
import { makeConfig } from "../../helpers/make-config.js";

const hooked = { url: "https://github.com/acme/app.git", commands: ["true"], on: { push: ["main"] } };
const secret = "webhook-secret-0123456789";

function problems(overrides: Record<string, unknown>): string {
  try {
    makeConfig(overrides);
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("on: and forges: in the config", () => {
  it("reads triggers, schedules and the forge, camelCased, with defaults", () => {
    const config = makeConfig({
      forges: {
        github: { webhook_secret: secret, token: "tok", mattermost_users: { "Alice@Example.com": "alice" } },
      },
      repos: {
        app: {
          ...hooked,
          on: {
            push: true,
            pull_request: true,
            schedule: [{ cron: "0 3 * * *", timezone: "Europe/Berlin", only_if_changed: true }],
          },
        },
      },
    });
    const app = config.repos.app;
    expect(app?.forge).toBe("github");
    expect(app?.fullName).toBe("acme/app");
    expect(app?.on).toEqual({
      push: ["*"],
      tags: [],
      pullRequest: true,
      schedules: [
        {
          name: "app main #1 (0 3 * * *)",
          cron: "0 3 * * *",
          branch: "main",
          timezone: "Europe/Berlin",
          onlyIfChanged: true,
        },
      ],
    });
    expect(config.forges?.github).toMatchObject({
      // The host's default applies where the host list is known (forges/configured-forges.ts).
      apiUrl: null,
      statusContext: "slashbuild",
      mattermostUsers: { "alice@example.com": "alice" },
    });
  });

  it("refuses a bad cron, a bad time zone, a missing secret, a repo on a host not configured, a bad host name", () => {
    const base = { forges: { github: { webhook_secret: secret } } };
    expect(
      problems({ ...base, repos: { app: { ...hooked, on: { schedule: [{ cron: "61 * * * *" }] } } } }),
    ).toMatch(/repos\.app\.on\.schedule\.0\.cron: "61 \* \* \* \*" is not a cron pattern/);
    expect(
      problems({
        ...base,
        repos: { app: { ...hooked, on: { schedule: [{ cron: "0 3 * * *", timezone: "Mars/Olympus" }] } } },
      }),
    ).toMatch(/timezone: is not an IANA time zone/);
    expect(problems({ forges: { github: {} }, repos: { app: hooked } })).toMatch(
      /repos\.app\.webhook_secret: on: push\/pull_request needs a webhook secret/,
    );
    expect(problems({ repos: { app: hooked } })).toMatch(/needs a forges: section/);
    expect(problems({ ...base, repos: { app: { ...hooked, forge: "gitlab" } } })).toMatch(
      /no forges\.gitlab section/,
    );
    // Which hosts exist, and which need api_url, is the host list's to say (test/unit/forges/configured-forges.test.ts).
    expect(problems({ forges: { GitHub: { webhook_secret: secret } }, repos: { app: hooked } })).toMatch(
      /forges\.GitHub: a Git host's name is lower-case/,
    );
    expect(problems({ forges: { github: { webhook_secret: "short" } }, repos: { app: hooked } })).toMatch(
      /at least 16 characters/,
    );
  });

  it("bot mode: triggered builds need a channel to post in, as nobody typed them anywhere", () => {
    const bot = { token: "t", url: "http://mm.example.com", bot_token: "b", team: "acme" };
    const base = { mattermost: bot, forges: { github: { webhook_secret: secret } } };
    expect(problems({ ...base, repos: { app: hooked } })).toMatch(/repos\.app\.notify_channel: in bot mode/);
    expect(problems({ ...base, repos: { app: { ...hooked, notify_channel: "ci" } } })).toBe("");
  });

  it("takes owner/name from the usual URL forms", () => {
    expect(fullNameFromUrl("https://github.com/acme/app.git")).toBe("acme/app");
    expect(fullNameFromUrl("git@github.com:acme/app.git")).toBe("acme/app");
    expect(fullNameFromUrl("ssh://git@gitlab.example.com/group/sub/app.git")).toBe("group/sub/app");
    expect(fullNameFromUrl("/srv/git/app.git")).toBeNull();
  });
});
