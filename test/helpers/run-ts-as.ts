import { spawnSync } from "node:child_process";
import type { RunAs } from "./service-process.js";
import { ROOT } from "./service-process.js";

/**
 * Runs `code` (an ES module body, top-level await allowed; `src(path)` imports this checkout's
 * src/<path>) in a Node process of its own as `user`: what only a non-root process meets (a
 * permission error) is then met even when the test runs as root. Resolves with what it printed.
 */
export function runTsAs(
  user: RunAs | undefined,
  code: string,
): { status: number | null; stdout: string; stderr: string } {
  const prelude = `const src = (file) => import(${JSON.stringify(`${ROOT}/src/`)} + file);\n`;
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", prelude + code],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    },
  );
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
