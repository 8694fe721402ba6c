import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration and e2e tests start real git, HTTP servers and child processes; give them room
    // on a shared 2-core machine. Nothing asserts on wall-clock time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
