import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { hostAddresses } from "./build-network.js";
import { pidNamespaceOf, type SandboxIdentity } from "./sandbox-process.js";

/** A network namespace's user-mode networking, running until close(). */
export interface AttachedNetwork {
  /** Ends slirp4netns; resolves once it has exited. */
  close(): Promise<void>;
}

export interface AttachOptions {
  /** Join the sandbox's user namespace too (slashbuild unprivileged: it owns the network namespace). */
  readonly joinUserNamespace: boolean;
  /** Default: the host's addresses now (hostAddresses). */
  readonly blockedAddresses?: readonly string[];
  /** Default: `slirp4netns` on PATH. */
  readonly slirp4netns?: string;
}

/** Far beyond the ~20 ms it takes: only a hung helper waits this long, and then the step fails. */
const READY_MS = 30_000;
/** bwrap's init does its part within a millisecond or so of its report. */
const SETUP_POLL_MS = 1;
/** How long close() waits for slirp4netns to be gone after SIGKILL (never forever). */
const EXIT_MS = 2_000;

// Fds the helpers get: the sandbox's namespaces, opened by slashbuild (never a pid looked up by them).
const NET_FD = 3;
const USER_FD = 4;
const READY_FD = 5;
const EXIT_FD = 6;

/**
 * Gives the network namespace of `sandbox` (a bwrap still waiting on its block fd) user-mode
 * networking to the outside, and resolves once it is up and the host's addresses are unreachable
 * from it; rejects with the helpers' own words when it cannot be done.
 *
 * - The namespaces are opened here, and the sandbox's init is checked to still be in its PID
 *   namespace afterwards: the helpers get those open namespaces, never a pid that could be reused.
 * - slirp4netns with --disable-host-loopback (its gateway does not lead to the host's
 *   127.0.0.1) makes the tap device, its address, the default route and DNS (10.0.2.3).
 * - Its connections are opened from the host, so each host address gets an `unreachable` route
 *   inside (set by `ip`, joined to the namespace with nsenter). Binding a socket to the tap device
 *   does not get past it: the kernel then takes the address as on-link, asks for it with ARP, and
 *   slirp4netns answers ARP only for its own addresses.
 * - slirp4netns exits when its exit fd closes: on close(), and when slashbuild dies, since the
 *   other end is slashbuild's alone. It is ended through its ChildProcess, which signals only the
 *   process slashbuild started and has not reaped yet, so never a reused pid.
 */
export async function attachNetwork(
  sandbox: SandboxIdentity,
  options: AttachOptions,
): Promise<AttachedNetwork> {
  await setUp(sandbox.pid, options.joinUserNamespace);
  const fds = openNamespaces(sandbox, options.joinUserNamespace);
  let slirp: ChildProcess;
  let routes: ChildProcess | null;
  try {
    const stdio = ["ignore", "ignore", "pipe", fds.net, fds.user ?? "ignore"] as const;
    routes = blockAddresses(options.blockedAddresses ?? hostAddresses(), fds.user !== null, stdio);
    slirp = spawn(
      options.slirp4netns ?? "slirp4netns",
      [
        "--configure",
        "--mtu=65520",
        "--disable-host-loopback",
        `--ready-fd=${READY_FD}`,
        `--exit-fd=${EXIT_FD}`,
        "--netns-type=path",
        ...(fds.user === null
          ? // As root: its own empty mount namespace, no capabilities but binding low ports, seccomp.
            ["--enable-sandbox", "--enable-seccomp"]
          : [`--userns-path=/proc/self/fd/${USER_FD}`]),
        `/proc/self/fd/${NET_FD}`,
        "tap0",
      ],
      { stdio: [...stdio, "pipe", "pipe"] },
    );
  } finally {
    // The children hold their own copies now.
    closeSync(fds.net);
    if (fds.user !== null) closeSync(fds.user);
  }
  const network = { close: () => endHelper(slirp) };
  try {
    await Promise.all([ready(slirp), routes ? succeeded(routes, "ip route") : null]);
  } catch (error) {
    await network.close();
    if (routes && routes.exitCode === null) routes.kill("SIGKILL");
    throw error;
  }
  return network;
}

/**
 * Waits for bwrap's init to have done its own part, which it does just after it has reported
 * itself: it adds 127.0.0.1 to the namespace's loopback, and slirp4netns, which brings loopback
 * up, must not come first (the kernel would add the address itself, and bwrap's own add would
 * fail). Unprivileged, init then writes its user namespace's uid map; until then slashbuild's uid
 * is no one there, and `ip` would start without capabilities. So: the uid map when there is one
 * (written after the loopback), else the loopback's address (/proc/<pid>/net: init's namespace).
 */
async function setUp(pid: number, userNamespace: boolean): Promise<void> {
  const [file, done] = userNamespace
    ? [`/proc/${pid}/uid_map`, (text: string) => text.trim() !== ""]
    : [`/proc/${pid}/net/fib_trie`, (text: string) => text.includes("127.0.0.1")];
  for (let waited = 0; waited < READY_MS; waited += SETUP_POLL_MS) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new Error("the sandbox ended before its network was set up");
    }
    if (done(text)) return;
    await sleep(SETUP_POLL_MS);
  }
  throw new Error("the sandbox did not set up its namespaces in time");
}

function openNamespaces(sandbox: SandboxIdentity, withUser: boolean): { net: number; user: number | null } {
  const net = openSync(`/proc/${sandbox.pid}/ns/net`, "r");
  let user: number | null = null;
  try {
    if (withUser) user = openSync(`/proc/${sandbox.pid}/ns/user`, "r");
    // Opened by pid: only if that pid is still the sandbox's init are these its namespaces.
    if (pidNamespaceOf(sandbox.pid) !== sandbox.pidns)
      throw new Error("the sandbox ended before its network was set up");
  } catch (error) {
    closeSync(net);
    if (user !== null) closeSync(user);
    throw error;
  }
  return { net, user };
}

/** `ip route add unreachable` for each address, in one `ip -batch` inside the namespace; null when none. */
function blockAddresses(
  addresses: readonly string[],
  joinUser: boolean,
  stdio: readonly ("ignore" | "pipe" | number)[],
): ChildProcess | null {
  if (addresses.length === 0) return null;
  // Unprivileged, slashbuild's uid is root in the sandbox's outer user namespace (bwrap maps it
  // so): kept as it is (no setgroups, which that namespace denies), ip has the capabilities there.
  const join = joinUser
    ? ["--preserve-credentials", `--user=/proc/self/fd/${USER_FD}`, `--net=/proc/self/fd/${NET_FD}`]
    : [`--net=/proc/self/fd/${NET_FD}`];
  const child = spawn("nsenter", [...join, "--", "ip", "-batch", "-"], {
    stdio: ["pipe", ...stdio.slice(1)],
  });
  child.stdin?.on("error", () => {});
  child.stdin?.end(addresses.map((address) => `route add unreachable ${address}/32\n`).join(""));
  return child;
}

/** Resolves when slirp4netns says the network is configured; rejects if it exits or hangs first. */
function ready(slirp: ChildProcess): Promise<void> {
  const said = collect(slirp.stderr);
  const signal = (slirp.stdio as unknown[])[READY_FD] as Readable;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("slirp4netns did not set up the network in time")),
      READY_MS,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`slirp4netns ${why}${said().trim() ? `: ${lastLines(said())}` : ""}`));
    };
    signal.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    signal.on("error", () => {});
    slirp.once("error", (error) => fail(`could not be started (${error.message})`));
    slirp.once("exit", (code, name) => fail(`exited (${name ?? code}) before the network was up`));
  });
}

function succeeded(child: ChildProcess, what: string): Promise<void> {
  const said = collect(child.stderr);
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`${what} could not be started (${error.message})`)));
    child.once("exit", (code, name) => {
      if (code === 0) resolve();
      else
        reject(new Error(`${what} failed (${name ?? code})${said().trim() ? `: ${lastLines(said())}` : ""}`));
    });
  });
}

async function endHelper(slirp: ChildProcess): Promise<void> {
  ((slirp.stdio as unknown[])[EXIT_FD] as Readable | undefined)?.destroy();
  if (slirp.exitCode !== null || slirp.signalCode !== null || slirp.pid === undefined) return;
  const gone = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, EXIT_MS);
    slirp.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  // Its connections end with the step anyway: nothing to wait for but the kernel.
  slirp.kill("SIGKILL");
  await gone;
}

function collect(stream: Readable | null): () => string {
  let text = "";
  stream?.on("data", (chunk: Buffer) => {
    if (text.length < 8192) text += chunk.toString("utf8");
  });
  return () => text;
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" / ");
}
