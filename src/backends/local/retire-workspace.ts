import { randomBytes } from "node:crypto";
import { readdir, rename, rm } from "node:fs/promises";
import path from "node:path";

/** Names of workspaces being removed, beside the live ones (never a build number). */
const RETIRED_PREFIX = ".retired-";

/**
 * Takes a finished build's workspace away at once and removes it in the background: renamed aside
 * (one system call), so nobody sees it at its path once the build is reported finished, and the
 * recursive removal, a visible share of a trivial build's finish, happens after the result is out.
 * A removal cut short by a restart is finished by `removeRetiredWorkspaces` at the next start.
 */
export async function retireWorkspace(workspace: string, onError: (error: unknown) => void): Promise<void> {
  const aside = path.join(
    path.dirname(workspace),
    `${RETIRED_PREFIX}${path.basename(workspace)}-${randomBytes(4).toString("hex")}`,
  );
  try {
    await rename(workspace, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    // Not renamable (a mount point, say): removed in place, before the result is reported.
    await rm(workspace, { recursive: true, force: true }).catch(onError);
    return;
  }
  void rm(aside, { recursive: true, force: true }).catch(onError);
}

/** At start-up: removes what a previous process had set aside and not finished removing. */
export async function removeRetiredWorkspaces(
  workspaces: string,
  onError: (error: unknown) => void,
): Promise<void> {
  const entries = await readdir(workspaces).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(RETIRED_PREFIX))
      .map((name) => rm(path.join(workspaces, name), { recursive: true, force: true }).catch(onError)),
  );
}
