import { lstatSync, readlinkSync } from "node:fs";
import path from "node:path";
import type { Config, RepoConfig } from "../../../config/config.js";
import { workspacesDir } from "../workspaces-dir.js";
import { networkArgs, networkMode, type StepNetworkSpec } from "./build-network.js";
import { grantParentArgs } from "./grant-parents.js";
import { hiddenPathArgs, realTarget, within } from "./hidden-paths.js";
import { keyringFilter } from "./keyring-filter.js";
import type { BuildCgroups } from "./sandbox-cgroup.js";
import { CHECKOUT_REPORT_FD, INFO_FD, SECCOMP_FD } from "./sandbox-fds.js";
import { identityArgs } from "./sandbox-identity.js";
import { effectiveLimits, prlimitArgs, tmpfsArgs } from "./sandbox-limits.js";

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
  /** The seccomp program refusing the keyring calls (keyring-filter.ts); null where none is known. */
  readonly seccomp: Buffer | null;
  /**
   * Unprivileged: the command bwrap is started by, which gives builds a group of their own
   * (build-groups.ts); empty where they keep slashbuild's.
   */
  readonly launcher: readonly string[];
  /** Where each step gets a cgroup of its own (prepare-cgroups.ts); null or absent: none can be had. */
  readonly cgroups?: BuildCgroups | null;
  /** Where the sandbox sees the host's resolv.conf (its real path); null without one. */
  readonly resolvConf: string | null;
}

/** What every sandbox mounts itself, empty, before the grants (sandboxCommand). */
const SANDBOX_MOUNTS = ["/proc", "/dev", "/tmp", "/var/tmp", SANDBOX_HOME];
/** The sandbox's own /etc/passwd and /etc/group: a build is `build`, never the host's user 1000. */
const IDENTITY = identityArgs(SANDBOX_UID, SANDBOX_HOME);

/** Directories a normal `make test` reads; bound read-only where present. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"];

export interface PlanOptions {
  readonly bwrap?: string;
  /** Default: process.getuid() === 0. */
  readonly asRoot?: boolean;
  /** Default: none (see SandboxPlan.launcher). */
  readonly launcher?: readonly string[];
  /** Default: process.arch (see keyringFilter). */
  readonly arch?: string;
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
  // The data_dir, the workspaces and the config file's directory stay hidden even under a granted path.
  args.push(...hiddenPathArgs({ ...config, workspacesDir: workspacesDir(config) }, granted));
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  return {
    bwrap: options.bwrap ?? "bwrap",
    systemArgs: args,
    asRoot,
    hostUid: config.runner.buildUid ?? 65534,
    hostGid: config.runner.buildGid ?? 65534,
    seccomp: keyringFilter(options.arch),
    launcher: asRoot ? [] : (options.launcher ?? []),
    resolvConf: resolv,
  };
}

export interface SandboxedCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** The fd on which the sandbox says `checked-out` before the command runs (a step that checks out). */
  readonly reportFd?: number;
  /** What the sandbox reads on these fds (pipes or files the caller opens: sandbox-stdio.ts). */
  readonly inputs: Readonly<Record<number, Buffer>>;
  /** A network of its own, to be set up before the command starts (build-network.ts). */
  readonly network?: StepNetworkSpec;
}

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
  /** The step runs in a cgroup that holds its memory limit: no RLIMIT_AS (sandbox-cgroup.ts). */
  readonly memoryInCgroup?: boolean;
}

/**
 * The bwrap command line for one step (its fds: sandbox-fds.ts). The info fd reports the host pid
 * of the sandbox's init and its PID namespace, which is how a step is stopped and how a crash is
 * cleaned up.
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
  const limits = effectiveLimits(runnerLimits, repo.limits);
  const network = networkArgs(networkMode(repo.network), plan.asRoot, plan.resolvConf);
  const args = [
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...network.namespace,
    "--hostname",
    "slashbuild-build",
    // Ends the sandbox (SIGKILL, from init down) if bwrap or slashbuild itself dies.
    "--die-with-parent",
    // No controlling terminal to push keystrokes into (TIOCSTI).
    "--new-session",
    "--info-fd",
    String(INFO_FD),
    ...(plan.seccomp ? ["--seccomp", String(SECCOMP_FD)] : []),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // Sized: tmpfs pages are memory that belongs to no process, so no rlimit counts them.
    "--perms",
    "1777",
    ...tmpfsArgs(limits, "/tmp"),
    "--perms",
    "1777",
    ...tmpfsArgs(limits, "/var/tmp"),
    "--perms",
    "0777",
    ...tmpfsArgs(limits, SANDBOX_HOME),
    // After the fresh /tmp: a granted path may lie under it (and a hidden one under a grant).
    ...plan.systemArgs,
    ...network.mounts,
    ...IDENTITY.mounts,
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
  const inner = [...prlimitArgs(limits, options.memoryInCgroup), ...shell];
  const inputs: Record<number, Buffer> = { ...network.inputs, ...IDENTITY.inputs };
  if (plan.seccomp) inputs[SECCOMP_FD] = plan.seccomp;
  const fds = {
    ...(checkout ? { reportFd: CHECKOUT_REPORT_FD } : {}),
    inputs,
    ...(network.spec ? { network: network.spec } : {}),
  };
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
      ...fds,
    };
  }
  // Unprivileged: bwrap's user namespace maps root to slashbuild's own uid, the only one it can
  // map, and to its gid (the launcher, where there is one, has already made that the build's own
  // group and dropped the supplementary ones); in a user namespace of its own inside that one,
  // the build is SANDBOX_UID. bwrap's namespace, which owns the build's network namespace, stays
  // the sandbox init's for good, so its network can be set up from outside (attach-network.ts);
  // bwrap nesting the build's namespace itself would swap init's away while that happens.
  // CAP_SETFCAP lets `unshare` map the build's uid to that root (the kernel asks for it) and ends
  // with its exec.
  const [launcher, ...launcherArgs] = plan.launcher;
  return {
    file: launcher ?? plan.bwrap,
    args: [
      ...(launcher ? [...launcherArgs, plan.bwrap] : []),
      ...args,
      "--unshare-user",
      "--uid",
      "0",
      "--gid",
      "0",
      "--cap-add",
      "CAP_SETFCAP",
      "--",
      "unshare",
      "--user",
      `--map-user=${SANDBOX_UID}`,
      `--map-group=${SANDBOX_UID}`,
      "--",
      ...inner,
    ],
    ...fds,
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
