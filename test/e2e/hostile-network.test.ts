import { vi } from "vitest";
import { describeHostileNetwork } from "../helpers/hostile-network-suite.js";
import { unprivilegedUser } from "../helpers/unprivileged-user.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

/**
 * Hostile builds and the network (issue 18), with slashbuild as the test's own user (root in CI:
 * the sandbox's privileged path) and as a non-root user (the unprivileged path; run as root, the
 * test switches slashbuild to an unused uid). The suite: test/helpers/hostile-network-suite.ts.
 */
describeHostileNetwork();
describeHostileNetwork(unprivilegedUser());
