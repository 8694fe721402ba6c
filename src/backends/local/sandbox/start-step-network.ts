import type { ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import { type AttachedNetwork, type AttachOptions, attachNetwork } from "./attach-network.js";
import type { StepNetworkSpec } from "./build-network.js";
import type { SandboxIdentity } from "./sandbox-process.js";

/**
 * For a step with a network of its own (`bwrap` just spawned with the spec's block fd as a pipe,
 * its resolv.conf fed as one of its inputs): once bwrap has reported its sandbox, attaches the
 * network and only then lets bwrap start the command. Resolves with the network, to close when
 * the step has ended; null when there is none to close (bwrap ended first, or the network failed:
 * `onFailure` then has the reason, and the caller ends the step, whose command never started).
 */
export async function startStepNetwork(
  bwrap: ChildProcess,
  sandbox: Promise<SandboxIdentity | null>,
  spec: StepNetworkSpec,
  onFailure: (why: string) => void,
  attach: (sandbox: SandboxIdentity, options: AttachOptions) => Promise<AttachedNetwork> = attachNetwork,
): Promise<AttachedNetwork | null> {
  const identity = await sandbox;
  if (identity === null) return null;
  try {
    const network = await attach(identity, {
      joinUserNamespace: spec.joinUserNamespace,
      ...(spec.slirp4netns ? { slirp4netns: spec.slirp4netns } : {}),
      ...(spec.blockedAddresses ? { blockedAddresses: spec.blockedAddresses } : {}),
    });
    send(bwrap, spec.blockFd, "1");
    return network;
  } catch (error) {
    onFailure((error as Error).message);
    return null;
  }
}

/** Writes `text` to bwrap's fd and closes it (bwrap may be gone already: nothing to tell then). */
function send(bwrap: ChildProcess, fd: number, text: string): void {
  const pipe = bwrap.stdio[fd] as Writable | null | undefined;
  pipe?.on("error", () => {});
  pipe?.end(text);
}
