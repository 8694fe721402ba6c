import { describe, expect, it } from "vitest";
import type { BuildMirrors } from "../../../../src/backends/local/build-mirrors.js";
import { planCheckout } from "../../../../src/backends/local/checkout-plan.js";
import {
  CHECKED_OUT,
  SANDBOX_MIRROR_OBJECTS,
  type SandboxPlan,
} from "../../../../src/backends/local/sandbox/sandbox-plan.js";
import type { RepoConfig } from "../../../../src/config/config.js";

const repo = { name: "app" } as RepoConfig;
const mirrors: BuildMirrors = {
  resolve: async () => "a".repeat(40),
  createWorkingCopy: async () => {},
  objectsDir: (r) => `/data/git/${r.name}.git/objects`,
  checkoutCommand: ["git", "read-tree", "--reset", "-u", "HEAD"],
  knownTip: () => null,
};
const sandbox = { bwrap: "bwrap" } as SandboxPlan;

describe("planCheckout", () => {
  it("sandboxed: slashbuild writes only .git; the first step's sandbox checks out and must say so", () => {
    const plan = planCheckout(sandbox, mirrors, repo);
    expect(plan.workingCopy).toEqual({ checkOut: false, objectsAt: SANDBOX_MIRROR_OBJECTS });
    expect(plan.step(0)).toEqual({
      checkout: mirrors.checkoutCommand,
      mirrorObjects: "/data/git/app.git/objects",
    });
    expect(plan.step(1)).toEqual({ mirrorObjects: "/data/git/app.git/objects" });
    expect(plan.checkoutFailed(0, "")).toBe(true);
    expect(plan.checkoutFailed(0, `${CHECKED_OUT}\n`)).toBe(false);
    expect(plan.checkoutFailed(1, "")).toBe(false);
  });

  it("unsandboxed: slashbuild checks out itself, borrowing the objects where they are", () => {
    const plan = planCheckout(null, mirrors, repo);
    expect(plan.workingCopy).toEqual({ checkOut: true, objectsAt: "/data/git/app.git/objects" });
    expect(plan.step(0)).toEqual({});
    expect(plan.checkoutFailed(0, "")).toBe(false);
  });

  it("cannot be given mirrors without a checkout command (a type error, so `npm test`'s tsc fails)", () => {
    const { checkoutCommand: _left, ...without } = mirrors;
    // @ts-expect-error: BuildMirrors.checkoutCommand is required; leaving it out once made a
    // sandboxed build check out as slashbuild's (root) process, silently.
    const port: BuildMirrors = without;
    expect(port.checkoutCommand).toBeUndefined();
  });
});
