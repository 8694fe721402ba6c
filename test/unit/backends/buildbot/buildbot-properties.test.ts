import { describe, expect, it } from "vitest";
import {
  changeProject,
  OLD_INTEGRATION_PROJECT,
} from "../../../../src/backends/buildbot/buildbot-properties.js";

describe("changeProject", () => {
  it("keeps the old integration's naming available", () => {
    expect(changeProject(OLD_INTEGRATION_PROJECT, "app", "feature/x")).toBe("mattermost_build_app_feature/x");
    expect(changeProject("{repo}", "app", "main")).toBe("app");
  });
});
