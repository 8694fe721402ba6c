import { vi } from "vitest";
import { describeHostileBuilds } from "../helpers/hostile-builds-suite.js";

// Real builds on a shared, loaded 2-core machine: generous safety nets (nothing asserts on time).
vi.setConfig({ testTimeout: 240_000 });

/**
 * Hostile builds (issue 8), slashbuild running as the test's own user (root in CI: the sandbox's
 * privileged path, bwrap → setpriv → unshare). The suite and its scripts: test/helpers/hostile-*.ts.
 */
describeHostileBuilds();
