import { existsSync } from "node:fs";
import { readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitMirrors } from "../../../../src/git/git-mirrors.js";
import { gitSubcommand, traceGitProcesses } from "../../../helpers/git-trace.js";
import { Harness } from "./harness.js";

/** Steps that write what was checked out (`head`) and what the build was told (`revision`) to $OUT. */
const RECORD_CHECKOUT = ['git rev-parse HEAD > "$OUT/head"', 'echo "$SLASHBUILD_REVISION" > "$OUT/revision"'];

describe("LocalBackend builds (real git, real processes)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("builds the branch tip: started with its sha and commands, each step reported, workspace removed", async () => {
    h = await Harness.create({
      repos: {
        app: {
          commands: [...RECORD_CHECKOUT, "echo hello from step 3"],
        },
      },
    });
    const tip = await h.remote.commit({ message: "tip" });
    const build = await h.start("app");
    const finished = await h.events.finished(build.id);

    expect(finished).toMatchObject({ status: "succeeded" });
    expect(finished.failingStep ?? null).toBeNull();
    const types = h.events
      .of(build.id)
      .map((e) => (e.type.startsWith("step") ? `${e.type}:${"index" in e ? e.index : ""}` : e.type));
    expect(types).toEqual([
      "external",
      "started",
      "step_started:0",
      "step_finished:0",
      "step_started:1",
      "step_finished:1",
      "step_started:2",
      "step_finished:2",
      "finished",
    ]);
    expect(h.events.of(build.id)[0]).toMatchObject({ type: "external", external: { sandbox: "bwrap" } });
    expect(h.events.of(build.id)[1]).toMatchObject({
      type: "started",
      sha: tip,
      steps: h.repo("app").commands,
    });
    expect(h.events.of(build.id)[2]).toMatchObject({ name: h.repo("app").commands[0] });
    expect(h.events.of(build.id).filter((e) => e.type === "step_finished")).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: "succeeded", exitCode: 0 })]),
    );
    expect((await h.readOut("head")).trim()).toBe(tip);
    expect((await h.readOut("revision")).trim()).toBe(tip);
    expect(await h.backend.logs.read(build.id, 2)).toBe("hello from step 3\n");
    expect(existsSync(h.backend.workspaceFor(build.id))).toBe(false);
  });

  it("builds exactly the requested revision, not the tip", async () => {
    h = await Harness.create({
      repos: {
        app: {
          commands: [...RECORD_CHECKOUT, 'cp version.txt "$OUT/version"'],
        },
      },
    });
    const wanted = await h.remote.commit({ files: { "version.txt": "1\n" } });
    await h.remote.commit({ files: { "version.txt": "2\n" } });
    const finished = await h.run("app", { requestedRevision: wanted.slice(0, 9) });

    expect(finished.status).toBe("succeeded");
    expect((await h.readOut("head")).trim()).toBe(wanted);
    expect((await h.readOut("revision")).trim()).toBe(wanted);
    expect(await h.readOut("version")).toBe("1\n");
    expect(h.events.events.find((e) => e.type === "started")).toMatchObject({ sha: wanted });
  });

  it("still refuses at run time a revision that is not on the branch (moved since admission): failed with a reason, nothing run", async () => {
    h = await Harness.create({ repos: { app: { commands: ['touch "$OUT/ran"'] } } });
    const unreviewed = await h.remote.commit({ branch: "dev", message: "unreviewed" });
    const finished = await h.run("app", { branch: "main", requestedRevision: unreviewed.slice(0, 7) });

    expect(finished.status).toBe("failed");
    expect(finished.reason).toBe(
      `Revision ${unreviewed.slice(0, 7)} is not on branch main of app. Name the branch that has it (\`/build app BRANCH ${unreviewed.slice(0, 7)}\`), or push it to main first.`,
    );
    expect(h.events.events.some((e) => e.type === "started")).toBe(false);
    expect(h.outExists("ran")).toBe(false);
  });

  it("hands the whole working copy to the build's uid, nested files and .git too, but never a symlink's target", async () => {
    h = await Harness.create({
      repos: {
        app: {
          commands: [
            'stat -c %u README.md a/b/c/deep.txt .git/HEAD .git/objects > "$OUT/owners"',
            'git -c user.name=b -c user.email=b@x commit -q --allow-empty -m built && echo committed > "$OUT/commit"',
          ],
        },
      },
    });
    // A file outside the workspace, owned by slashbuild, that a link in the repo points at.
    const target = path.join(h.out, "not-yours");
    await writeFile(target, "slashbuild's\n");
    const ownerBefore = (await stat(target)).uid;
    await symlink(target, path.join(h.remote.dir, "link"));
    await h.remote.commit({ files: { "a/b/c/deep.txt": "deep\n" } });
    const finished = await h.run("app");

    expect(finished.status).toBe("succeeded");
    // Inside its user namespace the build is uid 1000 and owns every file (as root: build_uid outside).
    expect((await h.readOut("owners")).trim().split("\n")).toEqual(["1000", "1000", "1000", "1000"]);
    expect((await h.readOut("commit")).trim()).toBe("committed");
    expect((await stat(target)).uid).toBe(ownerBefore);
  });

  it("checks the commit out inside the build's sandbox, as the build's user: slashbuild's own git writes no file of it", async () => {
    h = await Harness.create({
      repos: { app: { commands: ['git status --porcelain > "$OUT/status"; cat src/app.txt > "$OUT/file"'] } },
    });
    await h.remote.commit({ files: { "src/app.txt": "from the tree\n" } });
    const { result, processes } = await traceGitProcesses(async () => {
      const build = await h.start("app");
      return h.events.finished(build.id);
    });
    expect(result.status).toBe("succeeded");
    expect(await h.readOut("file")).toBe("from the tree\n");
    expect(await h.readOut("status")).toBe(""); // index and files match the commit
    const hostGit = processes.filter((p) => p.kind === "git").map((p) => gitSubcommand(p.argv));
    expect(hostGit).not.toContain("read-tree");
    expect(hostGit).not.toContain("checkout");
  });

  it("borrows the repo's objects read-only; `git repack -a -d` and dropping the alternates make .git self-contained", async () => {
    h = await Harness.create({
      repos: {
        app: {
          commands: [
            'git log --format=%s > "$OUT/log"; cat .git/objects/info/alternates > "$OUT/alternates"',
            'touch "$(cat .git/objects/info/alternates)/PLANTED" 2> "$OUT/write-error" || true',
            // The recipe in docs/configuration.md, for a build that ships its .git elsewhere.
            'git repack -a -d -q && rm .git/objects/info/alternates && git fsck --no-dangling 2>&1 > "$OUT/fsck" && git log --format=%s > "$OUT/log-alone"',
          ],
        },
      },
    });
    await h.remote.commit({ message: "second" });
    const build = await h.start("app");
    expect((await h.events.finished(build.id)).status).toBe("succeeded");
    expect((await h.readOut("log")).split("\n")).toEqual(["second", "initial", ""]);
    expect((await h.readOut("alternates")).trim()).toBe("/slashbuild/mirror-objects");
    expect(await h.readOut("write-error")).toMatch(/Read-only file system/);
    const objects = path.join(h.dataDir, "git", "app.git", "objects");
    expect(existsSync(path.join(objects, "PLANTED"))).toBe(false);
    expect(await h.readOut("fsck")).toBe("");
    expect(await h.readOut("log-alone")).toBe(await h.readOut("log"));
  });

  it("fails a build whose checkout fails with a reason, no failing step, and its command never runs", async () => {
    class BrokenCheckout extends GitMirrors {
      override readonly checkoutCommand = ["sh", "-c", "echo 'fatal: disk quota exceeded' >&2; exit 3"];
    }
    h = await Harness.create({
      repos: { app: { commands: ['touch "$OUT/ran"'] } },
      mirrors: (dataDir) => new BrokenCheckout({ dataDir, pullRequestHeads: () => null }),
    });
    await h.remote.commit({ message: "tip" });
    const build = await h.start("app");
    const finished = await h.events.finished(build.id);
    expect(finished).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/could not check out/),
    });
    expect(finished.failingStep ?? null).toBeNull();
    expect(existsSync(path.join(h.out, "ran"))).toBe(false);
    expect(await h.backend.logs.read(build.id, 0)).toContain("fatal: disk quota exceeded");
  });

  it("fails a build of a branch that does not exist, with a reason", async () => {
    h = await Harness.create({ repos: { app: { commands: ['touch "$OUT/ran"'] } } });
    const finished = await h.run("app", { branch: "no-such-branch" });
    expect(finished.status).toBe("failed");
    expect(finished.reason).toContain("`no-such-branch` does not exist in app");
    expect(h.outExists("ran")).toBe(false);
  });

  it("fails with REPO_UNREACHABLE's explanation when the url cannot be fetched", async () => {
    h = await Harness.create({
      repos: { app: { commands: ["true"], url: "/nonexistent/slashbuild/app.git" } },
    });
    const finished = await h.run("app");
    expect(finished.status).toBe("failed");
    expect(finished.reason).toContain("could not fetch app");
  });

  it("stops at the first failing command and names it", async () => {
    h = await Harness.create({
      repos: { app: { commands: ["echo one", "echo failing >&2; exit 3", 'touch "$OUT/never"'] } },
    });
    const build = await h.start("app");
    const finished = await h.events.finished(build.id);

    expect(finished).toMatchObject({ status: "failed", failingStep: "echo failing >&2; exit 3" });
    expect(h.events.of(build.id).filter((e) => e.type === "step_finished")).toEqual([
      expect.objectContaining({ index: 0, status: "succeeded", exitCode: 0 }),
      expect.objectContaining({ index: 1, status: "failed", exitCode: 3 }),
    ]);
    expect(h.events.of(build.id).some((e) => e.type === "step_started" && e.index === 2)).toBe(false);
    expect(h.outExists("never")).toBe(false);
    expect(await h.backend.logs.read(build.id, 1)).toBe("failing\n");
  });

  it("gives commands the repo env and SLASHBUILD_*, but not slashbuild's own environment", async () => {
    process.env.SLASHBUILD_TOKEN = "parent-mattermost-token";
    try {
      h = await Harness.create({
        repos: {
          app: {
            commands: ['env > "$OUT/env"'],
            env: { EDITOR: "/usr/bin/vim" },
            secrets: { API_KEY: "k3y" },
          },
        },
      });
      const tip = await h.remote.sha("main");
      const build = await h.start("app", { branch: "main", requester: "carol" });
      expect((await h.events.finished(build.id)).status).toBe("succeeded");
      const env = Object.fromEntries(
        (await h.readOut("env"))
          .trim()
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      expect(env).toMatchObject({
        EDITOR: "/usr/bin/vim",
        API_KEY: "k3y",
        SLASHBUILD_REPO: "app",
        SLASHBUILD_BRANCH: "main",
        SLASHBUILD_REVISION: tip,
        SLASHBUILD_BUILD_ID: String(build.id),
        SLASHBUILD_USER: "carol",
      });
      expect(env).not.toHaveProperty("SLASHBUILD_TOKEN");
    } finally {
      delete process.env.SLASHBUILD_TOKEN;
    }
  });

  it("masks secrets and extra strings in logs and in live output", async () => {
    const secret = "sup3r-s3cret-value";
    h = await Harness.create({
      repos: {
        app: {
          secrets: { API_KEY: secret },
          commands: [
            // The secret arrives in two writes, and once on stderr, interleaved with stdout.
            'printf "key=%s\\n" "$API_KEY"; printf "sup3r-"; sleep 0.1; printf "s3cret-value\\n"; echo "token mm-t0ken-123" >&2',
          ],
        },
      },
      backend: { extraSecrets: ["mm-t0ken-123"] },
    });
    const live: string[] = [];
    h.backend.onLog((_id, _index, text) => live.push(text));
    const build = await h.start("app");
    expect((await h.events.finished(build.id)).status).toBe("succeeded");
    const log = (await h.backend.logs.read(build.id, 0)) ?? "";
    for (const text of [log, live.join("")]) {
      expect(text).not.toContain("sup3r");
      expect(text).not.toContain("mm-t0ken-123");
      expect(text).toContain("key=****\n");
      expect(text).toContain("token ****\n");
      expect(text.match(/\*\*\*\*/g)).toHaveLength(3);
    }
  });

  it("caps each step's log, says so, and keeps draining so the command finishes", async () => {
    h = await Harness.create({
      logLimit: 1000,
      repos: { app: { commands: ["head -c 2000000 /dev/zero | tr '\\0' x", 'echo after > "$OUT/after"'] } },
    });
    const build = await h.start("app");
    expect((await h.events.finished(build.id)).status).toBe("succeeded");
    const log = (await h.backend.logs.read(build.id, 0)) ?? "";
    expect(log).toBe(`${"x".repeat(1000)}\n[slashbuild: log truncated at 1000 bytes]\n`);
    expect((await stat(h.backend.logs.pathFor(build.id, 0))).size).toBeLessThan(1100);
    expect(await readFile(`${h.out}/after`, "utf8")).toBe("after\n");
  });
});
