import { chmodSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../../config/config.js";
import { SlashbuildError } from "../../core/errors.js";

/** Where builds' working copies live: `runner.workspaces_dir`, by default `<data_dir>/workspaces`. */
export function workspacesDir(config: Pick<Config, "dataDir" | "runner">): string {
  return config.runner.workspacesDir ?? path.join(config.dataDir, "workspaces");
}

/**
 * Makes the workspaces folder slashbuild's alone (0700, as data_dir), before the sandbox is
 * planned: the plan hides it from builds even under a granted path, and must find a folder there.
 * On a filesystem of its own it may be a mount point another user created: said so, with the fix.
 */
export function prepareWorkspacesDir(config: Pick<Config, "dataDir" | "runner">): void {
  const dir = workspacesDir(config);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (error) {
    throw new SlashbuildError(
      "CONFIG_INVALID",
      `runner.workspaces_dir ${dir} cannot be made slashbuild's own folder (mode 0700): ${(error as Error).message}. Create it and give it to slashbuild's user (chown), or pick another folder.`,
      { cause: error },
    );
  }
}
