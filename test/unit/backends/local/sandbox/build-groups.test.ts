import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { groupLauncher, subordinateGid } from "../../../../../src/backends/local/sandbox/build-groups.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";

describe("subordinateGid", () => {
  const user = { name: "slashbuild", uid: 998 };

  it("takes the first gid of the first range given to the user, by name or by uid", () => {
    expect(subordinateGid("alice:100000:65536\nslashbuild:1500000:10\nslashbuild:1600000:1\n", user)).toBe(
      1500000,
    );
    expect(subordinateGid("998:1700000:1\n", user)).toBe(1700000);
  });

  it("finds none for another user, an empty range, gid 0 or a malformed line", () => {
    expect(subordinateGid("", user)).toBeNull();
    expect(subordinateGid("alice:100000:65536\nslashbuilder:1:1\n", user)).toBeNull();
    expect(subordinateGid("slashbuild:1500000:0\nslashbuild:0:5\nslashbuild:x:1\n", user)).toBeNull();
    expect(subordinateGid("slashbuild:1500000:1\n", { name: null, uid: 5 })).toBeNull();
  });
});

describe("groupLauncher", () => {
  let dir: string;
  let subgid: string;
  let status: string;
  beforeEach(async () => {
    dir = await makeTempDir();
    subgid = path.join(dir, "subgid");
    status = path.join(dir, "status");
    await writeFile(subgid, "slashbuild:1500000:65536\n");
    await writeFile(status, "Name:\tnode\nNoNewPrivs:\t0\nSeccomp:\t0\n");
  });
  afterEach(async () => {
    await removeDir(dir);
  });
  const user = { name: "slashbuild", uid: 998 };

  it("maps the subordinate gid to the build's gid with newgidmap (through unshare) and drops the other groups", () => {
    expect(groupLauncher({ subgidFile: subgid, statusFile: status, user })).toEqual({
      gid: 1500000,
      launcher: [
        "unshare",
        "--user",
        "--map-user=1000",
        "--map-groups=1500000,1000,1",
        "--setgid=1000",
        "--",
      ],
    });
  });

  it("says why there is none: no subordinate gid, or no_new_privs (newgidmap could not gain its privileges)", async () => {
    expect(
      groupLauncher({ subgidFile: subgid, statusFile: status, user: { name: "other", uid: 5 } }),
    ).toEqual({
      why: expect.stringContaining("no subordinate gid"),
    });
    expect(groupLauncher({ subgidFile: path.join(dir, "missing"), statusFile: status, user })).toEqual({
      why: expect.stringContaining("no subordinate gid"),
    });
    await writeFile(status, "Name:\tnode\nNoNewPrivs:\t1\n");
    expect(groupLauncher({ subgidFile: subgid, statusFile: status, user })).toEqual({
      why: expect.stringContaining("no_new_privs"),
    });
  });
});
