import { describe, expect, it } from "vitest";
import { backendPageLink } from "../../../src/core/backend-link.js";

describe("backendPageLink", () => {
  const url = "http://bb:8010/#/builders/1/builds/3";

  it("links a Buildbot build to its page when its master serves Buildbot's web UI", () => {
    expect(backendPageLink({ backend: "buildbot", external: { url, web_ui: true } })).toBe(url);
  });

  it("links nothing for a master without the UI, or a build recorded before that was known", () => {
    expect(backendPageLink({ backend: "buildbot", external: { url, web_ui: false } })).toBeNull();
    expect(backendPageLink({ backend: "buildbot", external: { url } })).toBeNull();
  });

  it("links nothing else: embedded builds, no URL, a URL that is not http(s)", () => {
    expect(backendPageLink({ backend: "local", external: { url, web_ui: true } })).toBeNull();
    expect(backendPageLink({ backend: "buildbot", external: { web_ui: true } })).toBeNull();
    expect(
      backendPageLink({ backend: "buildbot", external: { url: "javascript:alert(1)", web_ui: true } }),
    ).toBeNull();
  });
});
