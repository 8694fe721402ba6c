/**
 * First step of `npm test`: makes sure the Debian packages the integration tests drive are
 * installed (the tests use real Buildbot, Chromium, bubblewrap and systemd-analyze, never
 * stand-ins), so the README's test command passes on a fresh machine with nothing done by hand.
 *
 * What it does when something is missing, chosen to surprise a developer least:
 * - as root (CI, containers): `apt-get update` and `apt-get install` the missing packages;
 * - as a user with sudo: prints the exact command, then runs it with sudo (on a terminal sudo may
 *   ask for the password; without a terminal `sudo -n` is used, which never waits for one);
 * - otherwise (no apt-get, no sudo, or sudo refused): stops, naming the npm command that ran, the
 *   command an admin can run, and for `npm start` the way to serve without the sandbox.
 */
import { spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, statSync } from "node:fs";
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
  // The keyring attacks (issue 18) store and read keys with keyctl, in builds and around them.
  { executable: "keyctl", pkg: "keyutils" },
  // A build's own network (user-mode NAT) and the routes set in it (src/backends/local/sandbox/).
  { executable: "slirp4netns", pkg: "slirp4netns" },
  { executable: "ip", pkg: "iproute2" },
  // newgidmap: unprivileged builds get a subordinate gid instead of slashbuild's group (build-groups.ts);
  // the group tests map one through it.
  { executable: "newgidmap", pkg: "uidmap" },
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
  /** The npm command that ran this (`npm test`, `npm start`), named in every message. */
  readonly command: string;
}

export type Plan =
  | { readonly kind: "nothing" }
  | { readonly kind: "run"; readonly announce: string; readonly commands: readonly (readonly string[])[] }
  | { readonly kind: "stop"; readonly line: string };

export function installCommand(missing: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(" ")}`;
}

/** The npm command that ran this script, from npm's own npm_lifecycle_event. */
export function commandName(lifecycleEvent: string | undefined): string {
  if (lifecycleEvent === undefined || lifecycleEvent === "") return "this command";
  return ["start", "test"].includes(lifecycleEvent) ? `npm ${lifecycleEvent}` : `npm run ${lifecycleEvent}`;
}

/**
 * For `npm start` short of bubblewrap alone: serving without the sandbox, and what that costs. The
 * bundled example reads runner.sandbox from SLASHBUILD_SANDBOX for exactly this.
 */
const WITHOUT_SANDBOX =
  "Or serve without the build sandbox: SLASHBUILD_SANDBOX=none node bin/slashbuild.js serve --config examples/slashbuild.yaml " +
  "(runner.sandbox: none; builds then run as you, can read slashbuild's config, secrets and database, and can change each other's files: see docs/security.md).";

/** Why it stops and what to do: ask an admin, or (npm start) serve without the sandbox. */
function stopLine(s: Situation, why: string, command: string): string {
  const line = `${s.command} needs Debian packages ${why}: ${s.missing.join(" ")}. Ask an admin to run: ${command}`;
  return s.command === "npm start" && s.missing.every((pkg) => pkg === "bubblewrap")
    ? `${line}\n${WITHOUT_SANDBOX}`
    : line;
}

/** Decides what to do; pure, so every branch is tested without touching the machine. */
export function planInstall(s: Situation): Plan {
  if (s.missing.length === 0) return { kind: "nothing" };
  const list = s.missing.join(" ");
  if (!s.hasAptGet) {
    return {
      kind: "stop",
      line: stopLine(
        s,
        "and apt-get is not here",
        `the equivalent of apt-get install ${list} for this system, then ${s.command} again`,
      ),
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
  return {
    kind: "stop",
    line: stopLine(s, "that it cannot install without root or sudo", installCommand(s.missing)),
  };
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

/** The Debian packages missing from PATH; `only` narrows the check to these packages (e.g. `npm start` needs the sandbox's alone). */
export function missingPackages(envPath: string | undefined, only: readonly string[] = []): string[] {
  const wanted = only.length > 0 ? REQUIREMENTS.filter((r) => only.includes(r.pkg)) : REQUIREMENTS;
  const missing = wanted.filter((r) => !onPath(r.executable, envPath)).map((r) => r.pkg);
  return [...new Set(missing)];
}

/** `--only PKG[,PKG]`: check and install just these (the README's first command needs the sandbox's packages only). */
function onlyFromArgs(argv: readonly string[]): string[] {
  const index = argv.indexOf("--only");
  return index >= 0 ? (argv[index + 1] ?? "").split(",").filter((pkg) => pkg !== "") : [];
}

/**
 * slirp4netns opens /dev/net/tun inside the build's namespaces: for slashbuild running
 * unprivileged (the hostile-build suite's second half) it must be 0666, as Debian's udev makes it.
 * Machines without udev (containers, some VMs) keep the kernel's 0600; as root, this opens it up.
 */
const TUN_DEVICE = "/dev/net/tun";

function openTunDevice(): void {
  if (process.getuid?.() !== 0) return;
  try {
    if ((statSync(TUN_DEVICE).mode & 0o666) === 0o666) return;
    chmodSync(TUN_DEVICE, 0o666);
    process.stderr.write(
      `slashbuild: made ${TUN_DEVICE} usable by every user (0666, as Debian's udev does)\n`,
    );
  } catch {
    // No tun device at all: the sandbox's start-up check says what is missing.
  }
}

function main(): number {
  openTunDevice();
  const envPath = process.env.PATH;
  const only = onlyFromArgs(process.argv.slice(2));
  const missing = missingPackages(envPath, only);
  const situation: Situation = {
    missing,
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath("apt-get", envPath),
    hasSudo: onPath("sudo", envPath),
    interactive: process.stdin.isTTY === true,
    command: commandName(process.env.npm_lifecycle_event),
  };
  const plan = planInstall(situation);
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
      const line = stopLine(situation, "that it could not install", installCommand(missing));
      process.stderr.write(`slashbuild: ${line}\n`);
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
