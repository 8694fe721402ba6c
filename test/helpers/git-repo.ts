import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** A fresh directory under the OS temp dir; remove it with `removeDir` in afterEach/afterAll. */
export function makeTempDir(prefix = "slashbuild-test-"): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): Promise<void> {
  // Retries ENOTEMPTY: a git child of a just-stopped service may still be finishing a write there.
  return rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
}

export interface CommitOptions {
  readonly branch?: string;
  readonly message?: string;
  /** Path (relative to the repo) → content. */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * A real git repository in a temp dir, used as a build's remote. Commits carry their own identity
 * (`-c user.name/-c user.email`) so tests do not depend on the machine's git config.
 */
export class GitRepoFixture {
  readonly dir: string;
  #counter = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A repository whose `main` branch has one commit (a README). */
  static async create(): Promise<GitRepoFixture> {
    const dir = await makeTempDir("slashbuild-repo-");
    await exec("git", ["init", "--quiet", "--initial-branch=main", "--", dir]);
    const repo = new GitRepoFixture(dir);
    await repo.commit({ message: "initial", files: { "README.md": "# test repo\n" } });
    return repo;
  }

  async git(...args: string[]): Promise<string> {
    const { stdout } = await exec(
      "git",
      ["-c", "user.name=Slashbuild Test", "-c", "user.email=test@slashbuild.invalid", ...args],
      { cwd: this.dir, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } },
    );
    return stdout.trim();
  }

  /** Commits `files` on `branch` (created from the current commit when missing); returns the full sha. */
  async commit(options: CommitOptions = {}): Promise<string> {
    const branch = options.branch ?? "main";
    const exists = (await this.git("branch", "--list", "--", branch)) !== "";
    if ((await this.currentBranch()) !== branch) {
      await this.git("checkout", "--quiet", ...(exists ? [] : ["-b"]), branch);
    }
    this.#counter++;
    const files = options.files ?? { [`file-${this.#counter}.txt`]: `change ${this.#counter}\n` };
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    await this.git("add", "--all");
    await this.git("commit", "--quiet", "--allow-empty", "-m", options.message ?? `change ${this.#counter}`);
    return this.sha("HEAD");
  }

  /** Creates `name` at `from` (a branch or sha) without switching to it. */
  async createBranch(name: string, from = "main"): Promise<string> {
    await this.git("branch", "--", name, from);
    return this.sha(name);
  }

  async deleteBranch(name: string): Promise<void> {
    if ((await this.currentBranch()) === name) await this.git("checkout", "--quiet", "--detach");
    await this.git("branch", "-D", "--", name);
  }

  async sha(ref: string): Promise<string> {
    return this.git("rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`);
  }

  async currentBranch(): Promise<string> {
    return this.git("branch", "--show-current");
  }

  /** Writes a bundle of every branch to `file` (a url git clone accepts). */
  async bundle(file: string): Promise<void> {
    await this.git("bundle", "create", "--quiet", file, "--branches");
  }

  remove(): Promise<void> {
    return removeDir(this.dir);
  }
}
