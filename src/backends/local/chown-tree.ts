import { chownSync, readdirSync } from "node:fs";
import path from "node:path";

/**
 * chown -R without following links (a symlink in the repo must not hand over a file elsewhere).
 * One recursive listing (which does not descend into symlinked directories). Synchronous: when
 * the checkout runs in the sandbox, as it does with a sandbox, this is only the working copy's
 * `.git` (a dozen entries, well under a millisecond), where a round trip through the thread pool
 * per entry cost several.
 */
export function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isSymbolicLink()) chownSync(path.join(entry.parentPath, entry.name), uid, gid);
  }
}
