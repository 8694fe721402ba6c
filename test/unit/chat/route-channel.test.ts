import { describe, expect, it } from "vitest";
import { routeChannel } from "../../../src/chat/route-channel.js";
import { makeConfig } from "../../helpers/make-config.js";

describe("routeChannel", () => {
  it("sends a branch to its notify_branches channel, else notify_channel, else the platform's default", () => {
    const repo = makeConfig({
      repos: {
        app: {
          url: "/x",
          commands: ["true"],
          notify_channel: "builds",
          notify_branches: { "release/*": "releases", "hotfix/**": "oncall" },
        },
      },
    }).repos.app;
    expect(routeChannel(repo, "release/1.2")).toBe("releases");
    expect(routeChannel(repo, "hotfix/a/b")).toBe("oncall");
    expect(routeChannel(repo, "main")).toBe("builds");
    expect(routeChannel(makeConfig().repos.app, "main")).toBeNull();
    expect(routeChannel(undefined, "main")).toBeNull();
  });
});
