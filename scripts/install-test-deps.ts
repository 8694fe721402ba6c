/**
 * First step of `npm test`: makes sure the Debian packages the integration tests drive are
 * installed (the tests use real Buildbot, Chromium, bubblewrap and systemd-analyze, never
 * stand-ins), so the README's test command passes on a fresh machine with nothing done by hand.
 *
 * What it does when something is missing, chosen to surprise a developer least:
 * - as root (CI, containers): `apt-get update` and `apt-get install` the missing packages;
 * - as a user with sudo: prints the exact command, then runs it with sudo (on a terminal sudo may
 *   ask for the password; without a terminal `sudo -n` is used, which never waits for one);
 * - otherwise (no apt-get, no sudo, or sudo refused): stops with one line naming the command to run.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";

export interface Requirement {
  /** An absolute path, or a command name looked up on PATH. */
  readonly executable: string;
  /** The Debian package that provides it. */
  readonly pkg: string;
}

export const REQUIREMENTS: readonly Requirement[] = [
  { executable: "git", pkg: "git" },
  { executable: "buildbot", pkg: "buildbot" },
  { executable: "buildbot-worker", pkg: "buildbot-worker" },
  // test/helpers/browser.ts launches exactly this path (Debian's chromium, no browser download).
  { executable: "/usr/bin/chromium", pkg: "chromium" },
  { executable: "bwrap", pkg: "bubblewrap" },
  { executable: "systemd-analyze", pkg: "systemd" },
  // test/e2e/systemd-unit.test.ts records the system calls of a real build against the unit's filter.
  { executable: "strace", pkg: "strace" },
];

export interface Situation {
  /** Debian packages whose executable is missing, in REQUIREMENTS order, without duplicates. */
  readonly missing: readonly string[];
  readonly isRoot: boolean;
  readonly hasAptGet: boolean;
  readonly hasSudo: boolean;
  /** stdin is a terminal, so sudo can ask for a password. */
  readonly interactive: boolean;
}

export type Plan =
  | { readonly kind: "nothing" }
  | { readonly kind: "run"; readonly announce: string; readonly commands: readonly (readonly string[])[] }
  | { readonly kind: "stop"; readonly line: string };

export function installCommand(missing: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(" ")}`;
}

/** Decides what to do; pure, so every branch is tested without touching the machine. */
export function planInstall(s: Situation): Plan {
  if (s.missing.length === 0) return { kind: "nothing" };
  const list = s.missing.join(" ");
  if (!s.hasAptGet) {
    return {
      kind: "stop",
      line: `npm test needs these Debian packages, and apt-get is not here: ${list}. Install their equivalents, then run npm test again.`,
    };
  }
  const install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", ...s.missing];
  const update = ["apt-get", "update", "-q"];
  if (s.isRoot) {
    return {
      kind: "run",
      announce: `slashbuild: installing ${list} with apt-get`,
      commands: [update, install],
    };
  }
  if (s.hasSudo) {
    // Without a terminal sudo could not ask for a password and would hang or fail obscurely: -n fails fast.
    const sudo = s.interactive ? ["sudo"] : ["sudo", "-n"];
    return {
      kind: "run",
      announce: `slashbuild: installing ${list} with: ${installCommand(s.missing)}`,
      commands: [
        [...sudo, ...update],
        [...sudo, "env", "DEBIAN_FRONTEND=noninteractive", ...install],
      ],
    };
  }
  return { kind: "stop", line: `npm test needs Debian packages; run: ${installCommand(s.missing)}` };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string, envPath: string | undefined): boolean {
  if (name.includes("/")) return isExecutable(name);
  return (envPath ?? "")
    .split(path.delimiter)
    .some((dir) => dir !== "" && isExecutable(path.join(dir, name)));
}

/** The Debian packages missing from PATH; `only` narrows the check to these packages (e.g. `npm start` needs bubblewrap alone). */
export function missingPackages(envPath: string | undefined, only: readonly string[] = []): string[] {
  const wanted = only.length > 0 ? REQUIREMENTS.filter((r) => only.includes(r.pkg)) : REQUIREMENTS;
  const missing = wanted.filter((r) => !onPath(r.executable, envPath)).map((r) => r.pkg);
  return [...new Set(missing)];
}

/** `--only PKG[,PKG]`: check and install just these (the README's first command needs bubblewrap only). */
function onlyFromArgs(argv: readonly string[]): string[] {
  const index = argv.indexOf("--only");
  return index >= 0 ? (argv[index + 1] ?? "").split(",").filter((pkg) => pkg !== "") : [];
}

function main(): number {
  const envPath = process.env.PATH;
  const only = onlyFromArgs(process.argv.slice(2));
  const missing = missingPackages(envPath, only);
  const plan = planInstall({
    missing,
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath("apt-get", envPath),
    hasSudo: onPath("sudo", envPath),
    interactive: process.stdin.isTTY === true,
  });
  if (plan.kind === "nothing") return 0;
  if (plan.kind === "stop") {
    process.stderr.write(`${plan.line}\n`);
    return 1;
  }
  process.stderr.write(`${plan.announce}\n`);
  for (const [command, ...args] of plan.commands) {
    const result = spawnSync(command as string, args, {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.status !== 0) {
      process.stderr.write(`slashbuild could not install them; run: ${installCommand(missing)}\n`);
      return 1;
    }
  }
  const still = missingPackages(envPath, only);
  if (still.length > 0) {
    process.stderr.write(
      `slashbuild: still missing after apt-get: ${still.join(" ")}; run: ${installCommand(still)}\n`,
    );
    return 1;
  }
  return 0;
}

// Run only as a script (npm test), not when a test imports the planner.
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  process.exitCode = main();
}
