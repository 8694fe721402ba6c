import { execFile } from "node:child_process";

/**
 * The one way slashbuild runs git: execFile with an argument array (never a shell), so no value
 * can be reinterpreted by a shell. Callers still put `--end-of-options` or `--` in front of any
 * value that follows options, so even a value starting with '-' is never read as an option.
 */

export interface RunGitOptions {
  readonly cwd?: string;
  /** Kills git (SIGTERM) after this long; network fetches get a longer budget than local reads. */
  readonly timeoutMs?: number;
}

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
}

const DEFAULT_GIT_TIMEOUT_MS = 10 * 60_000;

/** Large enough for `for-each-ref` in repositories with very many branches. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A git command that failed; carries what git said so callers can explain or classify it. */
export class GitError extends Error {
  override readonly name = "GitError";
  readonly args: readonly string[];
  /** git's exit code; null when it was killed (timeout) or could not start. */
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(
    args: readonly string[],
    exitCode: number | null,
    stderr: string,
    timedOut: boolean,
    cause?: unknown,
  ) {
    const what = timedOut ? "timed out" : exitCode === null ? "could not run" : `exited with ${exitCode}`;
    const said = stderr.trim() ? `: ${stderr.trim()}` : "";
    super(`git ${args[0] ?? ""} ${what}${said}`, { cause });
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.timedOut = timedOut;
  }
}

/**
 * Environment for git: the parent's (ssh agent, proxies and HOME are needed to reach remotes) with
 * prompts disabled, because a prompt would hang a fetch forever with nobody at the terminal.
 */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never", LC_ALL: "C" };
}

/**
 * Put before every command: slashbuild's git runs with the service's whole environment, so it
 * must never run code a repository or a build could have planted. Hooks (e.g. a
 * reference-transaction hook written into a mirror) are switched off, and so is the
 * config-driven program that git would run in a work tree (fsmonitor). The mirrors themselves
 * are written only by slashbuild: builds never see data_dir (docs/security.md).
 */
export const SAFE_GIT_OPTIONS: readonly string[] = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "protocol.ext.allow=never",
];

export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...SAFE_GIT_OPTIONS, ...args],
      {
        cwd: options.cwd,
        env: gitEnv(),
        timeout: options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: "utf8",
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const exitCode = typeof error.code === "number" ? error.code : null;
        const timedOut = error.killed === true && error.signal !== null;
        reject(
          new GitError(args, exitCode, stderr || (exitCode === null ? error.message : ""), timedOut, error),
        );
      },
    );
  });
}
