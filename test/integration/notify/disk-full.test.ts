import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SCENARIO = path.join(import.meta.dirname, "disk-full-scenario.ts");

interface Observed {
  readonly queued: string;
  readonly pendingAfterBuild: number;
  readonly postsWhileFull: number;
  readonly answerWhenFull: string;
  readonly database: string;
  readonly diskFullLog: readonly string[];
  readonly finalPosts: readonly string[];
}

/**
 * Runs disk-full-scenario.ts with data_dir on a 16 MiB tmpfs of its own. Any user can (issue 22
 * item 4): `unshare -rm` gives the scenario a user and mount namespace where it is root, mounts the
 * tmpfs there, and nothing outside sees it; it goes away when the scenario exits.
 */
async function runScenario(): Promise<Observed> {
  const mountPoint = mkdtempSync(path.join(tmpdir(), "slashbuild-full-"));
  try {
    const script = 'mount -t tmpfs -o size=16m tmpfs "$1" && exec "$2" --import tsx "$3" "$1"';
    const { stdout } = await exec(
      "unshare",
      ["-rm", "sh", "-c", script, "sh", mountPoint, process.execPath, SCENARIO],
      { cwd: ROOT, maxBuffer: 64 << 20 },
    ).catch((error: { stderr?: string; message: string }) => {
      throw new Error(
        `the scenario (data_dir on a tmpfs mounted with unshare -rm, which needs user namespaces) failed: ${error.stderr || error.message}`,
      );
    });
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Observed;
  } finally {
    rmSync(mountPoint, { recursive: true, force: true });
  }
}

/**
 * Issue 9 item 8: data_dir on a real filesystem that fills up. Mattermost accepts a post but the
 * outbox cannot record it: the deliverer must pause instead of sending it again at every retry,
 * the chat answer must say the disk is full, the log must name the database file, and once space
 * is freed every event is posted exactly once.
 */
describe("a full disk", () => {
  it("pauses delivery instead of resending, answers that the disk is full, logs the path, and posts each event once after", async () => {
    const seen = await runScenario();
    expect(seen.queued).toMatch(/Queued build \[#1\]/);
    // Mattermost was down while the build ran: its finish post waited in the outbox.
    expect(seen.pendingAfterBuild).toBe(1);
    // Several failed tries to record the delivery later, Mattermost still has exactly one copy.
    expect(seen.postsWhileFull).toBe(1);
    expect(seen.answerWhenFull).toBe(
      "Sorry, slashbuild cannot store builds: its disk is full; tell the admin.",
    );
    expect(seen.diskFullLog.join("\n")).toContain(
      `disk full: slashbuild cannot write its database ${seen.database}`,
    );
    expect(seen.finalPosts).toHaveLength(1);
    expect(seen.finalPosts[0]).toMatch(/succeeded/);
  }, 400_000);
});
