import { describe, expect, it } from "vitest";
import { buildResolvConf } from "../../../../../src/backends/local/sandbox/build-network.js";
import * as fds from "../../../../../src/backends/local/sandbox/sandbox-fds.js";
import { identityFiles } from "../../../../../src/backends/local/sandbox/sandbox-identity.js";
import {
  planSandbox,
  SANDBOX_HOME,
  SANDBOX_UID,
  sandboxCommand,
} from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { sandboxStdio } from "../../../../../src/backends/local/sandbox/sandbox-stdio.js";
import { makeConfig } from "../../../../helpers/make-config.js";

/** bwrap's options that name an fd, and the option's argument that is the fd. */
const FD_OPTIONS = { "--info-fd": 1, "--seccomp": 1, "--block-fd": 1, "--ro-bind-data": 1 } as const;

function namedFds(args: readonly string[]): number[] {
  const found: number[] = [];
  // bwrap's own options only: what follows the first `--` is the build's command.
  const own = args.slice(0, args.indexOf("--"));
  own.forEach((arg, index) => {
    const at = FD_OPTIONS[arg as keyof typeof FD_OPTIONS];
    if (at !== undefined) found.push(Number(own[index + at]));
  });
  return found;
}

describe("the fds a sandbox's bwrap is started with", () => {
  it("are all distinct, above stdio", () => {
    const numbers = Object.values(fds);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.min(...numbers)).toBeGreaterThan(2);
  });

  for (const asRoot of [true, false]) {
    it(`are each a pipe of their own when a step uses them all (${asRoot ? "as root" : "unprivileged"})`, () => {
      // A first step: it checks out, loads the keyring filter, and gets a network of its own.
      const plan = { ...planSandbox(makeConfig(), { asRoot, arch: "x64" }), resolvConf: "/etc/resolv.conf" };
      expect(plan.seccomp).not.toBeNull();
      const line = sandboxCommand(plan, { network: true }, undefined, "/ws", "make", {
        checkout: ["git", "checkout", "--force", "HEAD"],
      });
      const named = [...namedFds(line.args), line.reportFd];
      expect(named.sort()).toEqual([
        fds.INFO_FD,
        fds.CHECKOUT_REPORT_FD,
        fds.SECCOMP_FD,
        fds.NETWORK_BLOCK_FD,
        fds.RESOLV_CONF_FD,
        fds.PASSWD_FD,
        fds.GROUP_FD,
      ]);
      expect(line.network?.blockFd).toBe(fds.NETWORK_BLOCK_FD);
      // What bwrap reads to its end is fed at spawn; the block fd is written later, by runStep.
      expect(Object.keys(line.inputs).map(Number).sort()).toEqual([
        fds.SECCOMP_FD,
        fds.RESOLV_CONF_FD,
        fds.PASSWD_FD,
        fds.GROUP_FD,
      ]);
      expect(line.inputs[fds.SECCOMP_FD]).toEqual(plan.seccomp);
      expect(line.inputs[fds.RESOLV_CONF_FD]?.toString()).toBe(buildResolvConf());
      expect(line.inputs[fds.PASSWD_FD]?.toString()).toBe(identityFiles(SANDBOX_UID, SANDBOX_HOME).passwd);
      expect(line.inputs[fds.GROUP_FD]?.toString()).toBe(identityFiles(SANDBOX_UID, SANDBOX_HOME).group);
      const stdio = sandboxStdio(line);
      expect(stdio).toEqual([
        "ignore",
        "pipe",
        "pipe",
        "pipe",
        "pipe",
        "pipe",
        "pipe",
        "pipe",
        "pipe",
        "pipe",
      ]);
    });
  }

  it("are no more than a step uses: none of the network's with network: false, no report fd without a checkout (passwd and group always)", () => {
    const plan = planSandbox(makeConfig(), { asRoot: false, arch: "x64" });
    const line = sandboxCommand(plan, { network: false }, undefined, "/ws", "make");
    expect(namedFds(line.args).sort()).toEqual([fds.INFO_FD, fds.SECCOMP_FD, fds.PASSWD_FD, fds.GROUP_FD]);
    expect(sandboxStdio(line)).toEqual([
      ...["ignore", "pipe", "pipe", "pipe", "ignore", "pipe"],
      ...["ignore", "ignore", "pipe", "pipe"],
    ]);
  });
});
