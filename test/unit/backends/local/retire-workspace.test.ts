import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeRetiredWorkspaces, retireWorkspace } from "../../../../src/backends/local/retire-workspace.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { waitFor } from "../../../helpers/service-process.js";

describe("retiring a finished build's workspace", () => {
  let workspaces: string;
  const errors: unknown[] = [];
  beforeEach(async () => {
    workspaces = await makeTempDir();
    errors.length = 0;
  });
  afterEach(async () => {
    await removeDir(workspaces);
  });

  async function workspaceWithFiles(name: string): Promise<string> {
    const dir = path.join(workspaces, name);
    await mkdir(path.join(dir, "src", "deep"), { recursive: true });
    await writeFile(path.join(dir, "src", "deep", "file"), "x");
    return dir;
  }

  it("takes it from its path at once, and removes it entirely in the background", async () => {
    const dir = await workspaceWithFiles("7");
    await retireWorkspace(dir, (error) => errors.push(error));
    expect(existsSync(dir)).toBe(false);
    await waitFor("the set-aside copy to be removed", async () => (await readdir(workspaces)).length === 0);
    expect(errors).toEqual([]);
  });

  it("does nothing for a workspace that is not there", async () => {
    await retireWorkspace(path.join(workspaces, "8"), (error) => errors.push(error));
    expect(await readdir(workspaces)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("at start-up, finishes removals a previous process left, and leaves live workspaces alone", async () => {
    await workspaceWithFiles(".retired-5-0a1b2c3d");
    await workspaceWithFiles("9");
    await removeRetiredWorkspaces(workspaces, (error) => errors.push(error));
    expect(await readdir(workspaces)).toEqual(["9"]);
    expect(errors).toEqual([]);
  });
});
