import { vi } from "vitest";
import { describeHostileBuilds } from "../helpers/hostile-builds-suite.js";
import { unprivilegedUser } from "../helpers/unprivileged-user.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
vi.setConfig({ testTimeout: 240_000 });

/**
 * Hostile builds (issue 8) with slashbuild running as a non-root user: the sandbox's unprivileged
 * path, where bwrap creates the user namespace itself and no setpriv is involved. Run as root (as
 * CI does), the test switches slashbuild to an unused uid and hands it its temp dirs; if that user
 * cannot create user namespaces on this machine, every test fails and says so (never skips).
 */
describeHostileBuilds(unprivilegedUser());
