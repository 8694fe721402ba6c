import type { RepoConfig } from "../../config/config.js";
import type { BuildMirrors, WorkingCopyRequest } from "./build-mirrors.js";
import {
  CHECKED_OUT,
  SANDBOX_MIRROR_OBJECTS,
  type SandboxPlan,
  type StepSandboxOptions,
} from "./sandbox/sandbox-plan.js";

/**
 * How a build's working copy gets its files, decided once per build, in one place. Sandboxed, the
 * runner writes only `.git` (the commit, the refs, the mirror's objects borrowed at the path the
 * sandbox binds them to, read-only); the first step's sandbox runs the git layer's checkout as the
 * build's user and reports CHECKED_OUT before the step's command: an untrusted tree is never
 * written by slashbuild's own (root) process. Unsandboxed, the runner checks out itself.
 */
export interface CheckoutPlan {
  /** What the working copy is made with. */
  readonly workingCopy: WorkingCopyRequest;
  /** What step `index`'s sandbox adds: the borrowed objects, and for the first step the checkout. */
  step(index: number): Pick<StepSandboxOptions, "checkout" | "mirrorObjects">;
  /** Whether step `index` ended before its checkout was reported done on its report fd (`reported`). */
  checkoutFailed(index: number, reported: string): boolean;
}

export function planCheckout(
  sandbox: SandboxPlan | null,
  mirrors: BuildMirrors,
  repo: RepoConfig,
): CheckoutPlan {
  const objects = mirrors.objectsDir(repo);
  if (sandbox === null) {
    return {
      workingCopy: { checkOut: true, objectsAt: objects },
      step: () => ({}),
      checkoutFailed: () => false,
    };
  }
  return {
    workingCopy: { checkOut: false, objectsAt: SANDBOX_MIRROR_OBJECTS },
    step: (index) =>
      index === 0
        ? { checkout: mirrors.checkoutCommand, mirrorObjects: objects }
        : { mirrorObjects: objects },
    checkoutFailed: (index, reported) => index === 0 && !reported.includes(CHECKED_OUT),
  };
}
