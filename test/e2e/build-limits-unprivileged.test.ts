import { vi } from "vitest";
import { describeBuildLimits } from "../helpers/build-limits-suite.js";
import { unprivilegedUser } from "../helpers/unprivileged-user.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/**
 * Issue 18's disk and memory limits with slashbuild running as a non-root user. Run as root (as
 * CI does), the test switches slashbuild to an unused uid, to which no cgroup is delegated: the
 * suite checks that this is said, and what still holds.
 */
describeBuildLimits(unprivilegedUser());
