import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildMirrors } from "../../../../src/backends/local/build-mirrors.js";
import { LogFiles } from "../../../../src/backends/local/log-files.js";
import { runBuild } from "../../../../src/backends/local/run-build.js";
import type { RepoConfig } from "../../../../src/config/config.js";
import type { Build } from "../../../../src/core/build.js";
import type { BuildEvent } from "../../../../src/core/events.js";
import { makeTempDir, removeDir } from "../../../helpers/git-repo.js";
import { makeConfig } from "../../../helpers/make-config.js";

const MIRROR_TIP = "a".repeat(40);
const MOVED_TIP = "b".repeat(40);

/**
 * Mirrors whose `resolve` waits for the test, and whose working copies are a file naming the
 * commit they were made from: what the build ran on is then exact, and so is the order.
 */
class GatedMirrors implements BuildMirrors {
  readonly calls: string[] = [];
  #release: ((sha: string) => void) | null = null;
  readonly #asked: Promise<void>;
  #onAsked: () => void = () => {};

  constructor(readonly tip: string | null) {
    this.#asked = new Promise((resolve) => {
      this.#onAsked = resolve;
    });
  }

  knownTip(): string | null {
    return this.tip;
  }

  resolve(_repo: RepoConfig, _branch: string, revision: string | null): Promise<string> {
    this.calls.push(`resolve ${revision ?? "tip"}`);
    this.#onAsked();
    return new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  objectsDir(): string {
    return "/nonexistent/objects";
  }

  readonly checkoutCommand = ["true"];

  async createWorkingCopy(_repo: RepoConfig, sha: string, dir: string): Promise<void> {
    this.calls.push(`working copy ${sha.slice(0, 1)}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "made-from"), `${sha}\n`);
  }

  /** A call that must have been made before the remote answers (polled, turn by turn). */
  answerAfter: string | null = null;

  /** Answers the pending resolve once it has been asked (and `answerAfter` was called). */
  async answer(sha: string): Promise<void> {
    await this.#asked;
    while (this.answerAfter !== null && !this.calls.includes(this.answerAfter)) await nextTurn();
    this.#release?.(sha);
  }
}

describe("runBuild: the working copy made while the remote is asked", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dataDir);
  });

  async function build(mirrors: GatedMirrors, requestedRevision: string | null, answer: string) {
    const config = makeConfig({
      data_dir: dataDir,
      runner: { sandbox: "none" },
      repos: { app: { url: "/x", commands: ['echo "built $(cat made-from) as $SLASHBUILD_REVISION"'] } },
    });
    const repo = config.repos.app as RepoConfig;
    const logs = new LogFiles(dataDir);
    const events: BuildEvent[] = [];
    const done = runBuild({
      build: {
        id: 1,
        repo: "app",
        branch: "main",
        requestedRevision,
        requester: "alice",
      } as unknown as Build,
      repo,
      mirrors,
      workspace: path.join(dataDir, "workspaces", "1"),
      logs,
      logLimitBytes: 10_000,
      extraSecrets: [],
      parentEnv: process.env,
      killGraceMs: 100,
      sandbox: null,
      runnerLimits: undefined,
      stopSignal: new AbortController().signal,
      emit: (event) => events.push(event),
      onLog: () => {},
      clock: Date.now,
    });
    await mirrors.answer(answer);
    await done;
    return { events, log: await logs.read(1, 0) };
  }

  it("starts the working copy of the mirror's tip before the remote has answered, and keeps it when that is the tip", async () => {
    const mirrors = new GatedMirrors(MIRROR_TIP);
    // The remote answers only once the copy of the guessed tip was asked for: no deadlock proves it was.
    mirrors.answerAfter = "working copy a";
    const { events, log } = await build(mirrors, null, MIRROR_TIP);
    expect(mirrors.calls).toEqual(["resolve tip", "working copy a"]);
    expect(events.find((e) => e.type === "started")).toMatchObject({ sha: MIRROR_TIP });
    expect(log).toBe(`built ${MIRROR_TIP} as ${MIRROR_TIP}\n`);
  });

  it("throws the early copy away when the remote's tip moved: the build runs on the resolved commit only", async () => {
    const mirrors = new GatedMirrors(MIRROR_TIP);
    const { events, log } = await build(mirrors, null, MOVED_TIP);
    expect(mirrors.calls).toEqual(["resolve tip", "working copy a", "working copy b"]);
    expect(events.find((e) => e.type === "started")).toMatchObject({ sha: MOVED_TIP });
    expect(log).toBe(`built ${MOVED_TIP} as ${MOVED_TIP}\n`);
  });

  it("guesses nothing for an exact revision, or when the mirror knows no tip", async () => {
    const exact = new GatedMirrors(MIRROR_TIP);
    await build(exact, "bbbbbbb", MOVED_TIP);
    expect(exact.calls).toEqual(["resolve bbbbbbb", "working copy b"]);
    const unknown = new GatedMirrors(null);
    await build(unknown, null, MOVED_TIP);
    expect(unknown.calls).toEqual(["resolve tip", "working copy b"]);
  });
});
