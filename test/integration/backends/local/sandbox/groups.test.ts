import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, chown, mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupLauncher } from "../../../../../src/backends/local/sandbox/build-groups.js";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { feedInputs, sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";
import { makeConfig } from "../../../../helpers/make-config.js";
import { createSystemUser, type SystemUser } from "../../../../helpers/system-user.js";
import { unprivilegedUser } from "../../../../helpers/unprivileged-user.js";

/** A group of the machine the service user is also a member of (Debian's `adm`, which reads logs). */
const OTHER_GROUP = 4;

/**
 * Which groups a build has when slashbuild runs unprivileged (issue 18), from real sandboxes
 * started as a real user of the machine that has a subordinate gid, with a supplementary group
 * besides its own. `own group: true` is the sandbox as prepareSandbox plans it (groupLauncher);
 * false is the same sandbox without the launcher, where bwrap alone leaves the build
 * slashbuild's groups. Each build tries to read a file its primary group may read and one its
 * supplementary group may read, and writes one whose group on the host the test checks.
 * Needs root, to add the user; it fails elsewhere, it does not skip.
 */
describe.each([true, false])("a build's groups, slashbuild unprivileged (own group: %s)", (ownGroup) => {
  let user: SystemUser;
  let dir: string;

  beforeAll(async () => {
    user = await createSystemUser(unprivilegedUser().uid);
    dir = await makeTempDir("slashbuild-groups-");
    await chmod(dir, 0o755);
    for (const [name, gid] of [
      ["primary", user.gid],
      ["supplementary", OTHER_GROUP],
    ] as const) {
      await writeFile(path.join(dir, name), `readable by group ${gid}\n`, { mode: 0o640 });
      await chown(path.join(dir, name), 0, gid);
    }
  });

  afterAll(async () => {
    await user?.remove();
    if (dir) await removeDir(dir);
  });

  it("reads neither group's files, and what it writes has the subordinate gid on the host", async () => {
    const launcher = groupLauncher({ user: { name: user.name, uid: user.uid } });
    if (!("launcher" in launcher)) throw new Error(`no launcher for ${user.name}: ${launcher.why}`);
    const config = makeConfig({ runner: { read_only_paths: [dir] } });
    const plan = planSandbox(config, { asRoot: false, ...(ownGroup ? { launcher: launcher.launcher } : {}) });
    const workspace = path.join(dir, "workspace");
    await mkdir(workspace, { recursive: true });
    await chown(workspace, user.uid, user.gid);
    const command = [
      `cat ${dir}/primary 2>/dev/null || echo primary DENIED`,
      `cat ${dir}/supplementary 2>/dev/null || echo supplementary DENIED`,
      "echo written > written",
    ].join("; ");
    const line = sandboxCommand(plan, { network: false }, undefined, workspace, command);
    // As a service manager starts slashbuild: its user, its group, and a supplementary group.
    const child = spawn(
      "setpriv",
      [
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        `--groups=${user.gid},${OTHER_GROUP}`,
        "--",
        line.file,
        ...line.args,
      ],
      { stdio: sandboxStdio(line) },
    );
    feedInputs(child, line);
    let out = "";
    for (const stream of [child.stdout, child.stderr])
      stream?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code, out).toBe(0);
    const written = await stat(path.join(workspace, "written"));
    expect(written.uid).toBe(user.uid);
    if (ownGroup) {
      expect(out).toContain("primary DENIED");
      expect(out).toContain("supplementary DENIED");
      expect(written.gid).toBe(user.subgid);
    } else {
      expect(out).toContain(`readable by group ${user.gid}`);
      expect(out).toContain(`readable by group ${OTHER_GROUP}`);
      expect(written.gid).toBe(user.gid);
    }
  });
});
