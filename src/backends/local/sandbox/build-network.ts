import { readFileSync } from "node:fs";
import os from "node:os";
import type { BuildNetwork } from "../../../config/config.js";
import { NETWORK_BLOCK_FD, RESOLV_CONF_FD } from "./sandbox-fds.js";

/**
 * How a step's sandbox is networked:
 * - `own` (`network: true`, the default): a network namespace of its own, with user-mode NAT
 *   (slirp4netns) to the outside. It has no way to the host's loopback, abstract unix sockets,
 *   connections or addresses (see attach-network.ts);
 * - `none` (`network: false`): a network namespace with only its own loopback;
 * - `host` (`network: host`): the host's network namespace, shared.
 */
export type NetworkMode = "own" | "none" | "host";

export function networkMode(network: BuildNetwork | undefined): NetworkMode {
  return network === "host" ? "host" : network === false ? "none" : "own";
}

/** What slirp4netns's virtual network looks like from inside (its defaults). */
export const SLIRP_CIDR = "10.0.2.0/24";
/** slirp4netns forwards DNS sent here to the first resolver of the host's resolv.conf. */
export const SLIRP_DNS = "10.0.2.3";
/** Where systemd-resolved lists the servers it asks (the host's resolv.conf names 127.0.0.53). */
export const RESOLVED_UPSTREAMS = "/run/systemd/resolve/resolv.conf";

/** What runStep does for a step with a network of its own (NetworkMode `own`). */
export interface StepNetworkSpec {
  /** NETWORK_BLOCK_FD: written to once the network is up. */
  readonly blockFd: number;
  /**
   * Unprivileged, the network namespace belongs to the sandbox's user namespace, which
   * slirp4netns and the route set-up must join; as root it belongs to the host's.
   */
  readonly joinUserNamespace: boolean;
  /** Default: `slirp4netns` on PATH. */
  readonly slirp4netns?: string;
  /** Default: the host's addresses when the step starts (hostAddresses). */
  readonly blockedAddresses?: readonly string[];
}

export interface NetworkArgs {
  /** bwrap options among the namespaces. */
  readonly namespace: readonly string[];
  /** bwrap mounts, after the system's (the build's resolv.conf over the host's). */
  readonly mounts: readonly string[];
  /** What bwrap reads on fds for them (SandboxedCommand.inputs): the build's resolv.conf. */
  readonly inputs: Readonly<Record<number, Buffer>>;
  /** Set for NetworkMode `own`: what runStep must do before the command may start. */
  readonly spec: StepNetworkSpec | null;
}

/**
 * bwrap options for `mode`. `resolvConf`: where the sandbox sees the host's resolv.conf (its
 * real path; null when there is none): a network of its own gets its own (buildResolvConf, read
 * as each step starts), since the host's resolver may listen on the host's loopback
 * (systemd-resolved, dnsmasq).
 */
export function networkArgs(mode: NetworkMode, asRoot: boolean, resolvConf: string | null): NetworkArgs {
  if (mode === "host") return { namespace: [], mounts: [], inputs: {}, spec: null };
  if (mode === "none") return { namespace: ["--unshare-net"], mounts: [], inputs: {}, spec: null };
  return {
    namespace: ["--unshare-net", "--block-fd", String(NETWORK_BLOCK_FD)],
    // Readable by the build (bwrap makes such a file 0600 otherwise).
    mounts: resolvConf ? ["--perms", "0644", "--ro-bind-data", String(RESOLV_CONF_FD), resolvConf] : [],
    inputs: resolvConf ? { [RESOLV_CONF_FD]: Buffer.from(buildResolvConf()) } : {},
    spec: { blockFd: NETWORK_BLOCK_FD, joinUserNamespace: !asRoot },
  };
}

/**
 * What a build with its own network reads as /etc/resolv.conf. slirp4netns's forwarder (10.0.2.3)
 * sends to the host's first resolver, but not to one on the host's loopback (systemd-resolved's
 * 127.0.0.53, a local dnsmasq): the build then asks the servers that resolver asks, which
 * systemd-resolved lists, directly through the NAT. `read` returns a file's text or null.
 */
export function buildResolvConf(read: (file: string) => string | null = readOrNull): string {
  const forwarder = `nameserver ${SLIRP_DNS}\n`;
  const first = nameservers(read("/etc/resolv.conf") ?? "")[0];
  if (first === undefined || !isLoopback(first)) return forwarder;
  // IPv4 only: the build's namespace has no IPv6 route out.
  const upstreams = nameservers(read(RESOLVED_UPSTREAMS) ?? "").filter(
    (server) => !isLoopback(server) && !server.includes(":"),
  );
  return upstreams.length > 0 ? upstreams.map((server) => `nameserver ${server}\n`).join("") : forwarder;
}

function nameservers(text: string): string[] {
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((match) => match[1] ?? "");
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * The host's own IPv4 addresses, on every interface, loopback aside (inside the namespace that is
 * the build's own). slirp4netns opens a build's connections from the host, so a connection to one
 * of these would reach the host's services bound to it or to 0.0.0.0: each gets an unreachable
 * route in the build's namespace. IPv6 needs none: the namespace has no IPv6 route out.
 */
export function hostAddresses(): string[] {
  const found = new Set<string>();
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === "IPv4" && !entry.address.startsWith("127.")) found.add(entry.address);
    }
  }
  return [...found];
}
