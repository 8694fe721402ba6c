import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import type { Config, RepoConfig } from "../../../config/config.js";
import { grantParentArgs } from "./grant-parents.js";
import { effectiveLimits, prlimitArgs } from "./sandbox-limits.js";

/** Where a build finds itself inside the sandbox, whatever the host paths are. */
export const SANDBOX_WORKSPACE = "/workspace";
export const SANDBOX_HOME = "/home/build";
/** Where a build sees its repo's mirror objects (read-only), which its working copy borrows. */
export const SANDBOX_MIRROR_OBJECTS = "/slashbuild/mirror-objects";
/** The uid and gid a build sees inside its user namespace (never 0, never slashbuild's own). */
export const SANDBOX_UID = 1000;

/**
 * What every sandboxed command shares, worked out once at start-up: how the host lays out its
 * system directories, which paths must be hidden, and whether slashbuild runs as root.
 */
export interface SandboxPlan {
  readonly bwrap: string;
  /** bwrap arguments for the read-only system and the hidden paths (same for every build). */
  readonly systemArgs: readonly string[];
  /** Running as root: bwrap sets up the mounts privileged, then the build drops to hostUid:hostGid. */
  readonly asRoot: boolean;
  readonly hostUid: number;
  readonly hostGid: number;
}

/** What every sandbox mounts itself, empty, before the grants (sandboxCommand). */
const SANDBOX_MOUNTS = ["/proc", "/dev", "/tmp", "/var/tmp", SANDBOX_HOME];

/** Directories a normal `make test` reads; bound read-only where present. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

export interface PlanOptions {
  readonly bwrap?: string;
  /** Default: process.getuid() === 0. */
  readonly asRoot?: boolean;
}

export function planSandbox(config: Config, options: PlanOptions = {}): SandboxPlan {
  const granted: string[] = [];
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const kind = entryKind(dir);
    if (kind === "symlink") {
      // Merged /usr (/bin -> usr/bin): recreate the link rather than binding its target twice.
      args.push("--symlink", readlinkSync(dir), dir);
    } else if (kind === "dir") {
      args.push("--ro-bind", dir, dir);
      granted.push(dir);
    }
  }
  for (const dir of config.runner.readOnlyPaths ?? []) {
    // Missing parents with the host's modes, not bwrap's 0700 (grant-parents.ts).
    args.push(...grantParentArgs(dir, granted, SANDBOX_MOUNTS), "--ro-bind-try", dir, dir);
    granted.push(dir);
  }
  for (const dir of config.runner.writablePaths ?? []) {
    args.push(...grantParentArgs(dir, granted, SANDBOX_MOUNTS), "--bind-try", dir, dir);
    granted.push(dir);
  }
  // resolv.conf is often a link into /run, which is not granted: bind its target so DNS works.
  const resolv = realTarget("/etc/resolv.conf");
  if (resolv && !within(resolv, granted)) args.push("--ro-bind-try", resolv, resolv);
  // The data_dir and the config file stay hidden even when an admin put them under a granted path.
  for (const hidden of [config.dataDir, config.configFile]) {
    if (!hidden) continue;
    const real = realTarget(hidden) ?? hidden;
    if (!within(real, granted)) continue;
    if (entryKind(real) === "dir") args.push("--tmpfs", real);
    else args.push("--ro-bind", "/dev/null", real);
  }
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  return {
    bwrap: options.bwrap ?? "bwrap",
    systemArgs: args,
    asRoot,
    hostUid: config.runner.buildUid ?? 65534,
    hostGid: config.runner.buildGid ?? 65534,
  };
}

export interface SandboxedCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** The fd on which the sandbox says `checked-out` before the command runs (a step that checks out). */
  readonly reportFd?: number;
}

/** The fd a checking-out step reports on (0-2 are stdio, 3 is bwrap's info fd). */
export const CHECKOUT_REPORT_FD = 4;
/** What a checking-out step writes on CHECKOUT_REPORT_FD once the working copy's files are there. */
export const CHECKED_OUT = "checked-out";

/**
 * The shell a checking-out step starts with: $1 is the step's command, the rest the checkout
 * command (from the git layer). The checkout runs without the build's GIT_* variables that would
 * point git elsewhere; then the shell reports, closes the report fd, and becomes the command's
 * own shell (exec: exactly as `sh -c command` runs it, no variable of this script left behind).
 */
const CHECKOUT_THEN_RUN = [
  "c=$1; shift",
  '(unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_COMMON_DIR GIT_NAMESPACE GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM GIT_CONFIG_COUNT GIT_CONFIG_PARAMETERS; exec "$@")' +
    ' || { echo "[slashbuild: could not check out the commit]" >&2; exit 125; }',
  `echo ${CHECKED_OUT} >&${CHECKOUT_REPORT_FD}; exec ${CHECKOUT_REPORT_FD}>&-; exec sh -c "$c"`,
].join("\n");

export interface StepSandboxOptions {
  /**
   * Write the working copy's files first, with this command run in the workspace as the build's
   * user (the git layer's checkoutCommand): the host then never checks out an untrusted tree as
   * root, and no process is started outside the sandbox for it.
   */
  readonly checkout?: readonly string[] | undefined;
  /** The repo mirror's objects, which the working copy borrows: bound read-only at SANDBOX_MIRROR_OBJECTS. */
  readonly mirrorObjects?: string | undefined;
}

/**
 * The bwrap command line for one step. The info fd (3) reports the host pid of the sandbox's
 * init and its PID namespace, which is how a step is stopped and how a crash is cleaned up.
 */
export function sandboxCommand(
  plan: SandboxPlan,
  repo: Pick<RepoConfig, "network" | "limits">,
  runnerLimits: Config["runner"]["limits"],
  workspace: string,
  command: string,
  options: StepSandboxOptions = {},
): SandboxedCommand {
  const { checkout, mirrorObjects } = options;
  const args = [
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(repo.network === false ? ["--unshare-net"] : []),
    "--hostname",
    "slashbuild-build",
    // Ends the sandbox (SIGKILL, from init down) if bwrap or slashbuild itself dies.
    "--die-with-parent",
    // No controlling terminal to push keystrokes into (TIOCSTI).
    "--new-session",
    "--info-fd",
    "3",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--perms",
    "1777",
    "--tmpfs",
    "/tmp",
    "--perms",
    "1777",
    "--tmpfs",
    "/var/tmp",
    "--perms",
    "0777",
    "--tmpfs",
    SANDBOX_HOME,
    // After the fresh /tmp: a granted path may lie under it (and a hidden one under a grant).
    ...plan.systemArgs,
    // Its repo's objects only, read-only: the rest of the mirror and data_dir stay unseen.
    // (bwrap would make the parent directory 0700, root's: the build could not reach below it.)
    ...(mirrorObjects
      ? [
          "--perms",
          "0755",
          "--dir",
          path.dirname(SANDBOX_MIRROR_OBJECTS),
          "--ro-bind",
          mirrorObjects,
          SANDBOX_MIRROR_OBJECTS,
        ]
      : []),
    // Only this build's workspace, bound by itself: data_dir and its neighbours are not mounted.
    "--bind",
    workspace,
    SANDBOX_WORKSPACE,
    "--chdir",
    SANDBOX_WORKSPACE,
  ];
  const shell = checkout
    ? ["sh", "-c", CHECKOUT_THEN_RUN, "slashbuild-checkout", command, ...checkout]
    : ["sh", "-c", command];
  const inner = [...prlimitArgs(effectiveLimits(runnerLimits, repo.limits)), ...shell];
  const report = checkout ? { reportFd: CHECKOUT_REPORT_FD } : {};
  if (plan.asRoot) {
    // bwrap mounts as root; then the build becomes the configured unprivileged host uid with no
    // capabilities, and gets a user namespace of its own in which it appears as SANDBOX_UID.
    return {
      file: plan.bwrap,
      args: [
        ...args,
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
        "--",
        "setpriv",
        `--reuid=${plan.hostUid}`,
        `--regid=${plan.hostGid}`,
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
        "unshare",
        "--user",
        `--map-user=${SANDBOX_UID}`,
        `--map-group=${SANDBOX_UID}`,
        "--",
        ...inner,
      ],
      ...report,
    };
  }
  // Unprivileged: a user namespace maps SANDBOX_UID to slashbuild's own uid, the only one it has.
  return {
    file: plan.bwrap,
    args: [
      ...args,
      "--unshare-user",
      "--uid",
      String(SANDBOX_UID),
      "--gid",
      String(SANDBOX_UID),
      "--",
      ...inner,
    ],
    ...report,
  };
}

/** The environment adjusted to the sandbox's layout (HOME, TMPDIR and USER are its own). */
export function sandboxEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, HOME: SANDBOX_HOME, TMPDIR: "/tmp", USER: "build", LOGNAME: "build" };
}

function entryKind(file: string): "dir" | "symlink" | "other" | null {
  try {
    const stat = lstatSync(file);
    return stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "dir" : "other";
  } catch {
    return null;
  }
}

function realTarget(file: string): string | null {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}

function within(file: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => file === dir || file.startsWith(dir.endsWith("/") ? dir : `${dir}${path.sep}`));
}
