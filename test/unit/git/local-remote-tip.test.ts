import { appendFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localRemoteTip } from "../../../src/git/local-remote-tip.js";
import { GitRepoFixture, makeTempDir, removeDir } from "../../helpers/git-repo.js";

/** What git itself answers for the remote, the reference every answer is checked against. */
async function lsRemote(repo: GitRepoFixture, url: string, branch: string): Promise<string> {
  const line = await repo.git("ls-remote", "--heads", url, `refs/heads/${branch}`);
  return line.split("\t")[0] ?? "";
}

describe("localRemoteTip: a remote on this machine, read from its ref files", () => {
  let remote: GitRepoFixture;
  let scratch: string;
  beforeEach(async () => {
    remote = await GitRepoFixture.create();
    scratch = await makeTempDir();
  });
  afterEach(async () => {
    await remote.remove();
    await removeDir(scratch);
  });

  it("answers what git ls-remote answers: a loose ref, a packed one, a branch with a slash, a bare clone", async () => {
    await remote.commit({ message: "first" });
    await remote.createBranch("release/1.0");
    await remote.commit({ message: "second" });
    expect(await localRemoteTip(remote.dir, "main")).toBe(await lsRemote(remote, remote.dir, "main"));
    expect(await localRemoteTip(remote.dir, "release/1.0")).toBe(
      await lsRemote(remote, remote.dir, "release/1.0"),
    );

    await remote.git("pack-refs", "--all");
    const packed = await localRemoteTip(remote.dir, "release/1.0");
    expect(packed).toBe(await lsRemote(remote, remote.dir, "release/1.0"));
    // A newer loose ref wins over packed-refs, as in git.
    const newer = await remote.commit({ message: "after packing" });
    expect(await localRemoteTip(remote.dir, "main")).toBe(newer);

    const bare = path.join(scratch, "bare.git");
    await remote.git("clone", "--quiet", "--bare", remote.dir, bare);
    expect(await localRemoteTip(bare, "main")).toBe(newer);
  });

  it("leaves to git whatever it cannot be sure of", async () => {
    await remote.commit({ message: "first" });
    // Not a path on this machine.
    expect(await localRemoteTip(`file://${remote.dir}`, "main")).toBeUndefined();
    expect(await localRemoteTip("./relative", "main")).toBeUndefined();
    expect(await localRemoteTip("https://example.invalid/repo.git", "main")).toBeUndefined();
    // No such branch: git says so (the caller asks it), not a guess from the files.
    expect(await localRemoteTip(remote.dir, "nope")).toBeUndefined();
    // A symbolic ref.
    await remote.git("symbolic-ref", "refs/heads/alias", "refs/heads/main");
    expect(await localRemoteTip(remote.dir, "alias")).toBeUndefined();
    // Outside refs/heads, whatever the name says.
    expect(await localRemoteTip(remote.dir, "../../HEAD")).toBeUndefined();
    // A linked worktree keeps its refs elsewhere.
    const worktree = path.join(scratch, "wt");
    await remote.git("worktree", "add", "--quiet", "-b", "side", worktree);
    expect(await localRemoteTip(worktree, "main")).toBeUndefined();
    // Refs kept in another storage (reftable, newer git).
    await appendFile(path.join(remote.dir, ".git", "config"), "[extensions]\n\trefStorage = reftable\n");
    expect(await localRemoteTip(remote.dir, "main")).toBeUndefined();
  });

  it("never takes a ref file that does not hold an object id", async () => {
    await remote.commit({ message: "first" });
    await writeFile(path.join(remote.dir, ".git", "refs", "heads", "odd"), "not a sha\n");
    expect(await localRemoteTip(remote.dir, "odd")).toBeUndefined();
  });
});
