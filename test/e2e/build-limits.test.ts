import { vi } from "vitest";
import { describeBuildLimits } from "../helpers/build-limits-suite.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/**
 * Issue 18's disk and memory limits from real builds, slashbuild running as the test's own user
 * (root in CI: the sandbox's privileged path, where a cgroup per step can be had). The suite:
 * test/helpers/build-limits-suite.ts.
 */
describeBuildLimits();
