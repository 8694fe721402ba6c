import os from "node:os";
import { describe, expect, it } from "vitest";
import {
  buildResolvConf,
  hostAddresses,
  networkMode,
  RESOLVED_UPSTREAMS,
  SLIRP_DNS,
} from "../../../../../src/backends/local/sandbox/build-network.js";
import { NETWORK_BLOCK_FD, RESOLV_CONF_FD } from "../../../../../src/backends/local/sandbox/sandbox-fds.js";
import { planSandbox, sandboxCommand } from "../../../../../src/backends/local/sandbox/sandbox-plan.js";
import { makeConfig } from "../../../../helpers/make-config.js";

describe("a build's network mode", () => {
  it("is a namespace of its own by default and for true, loopback only for false, the host's for host", () => {
    expect(networkMode(undefined)).toBe("own");
    expect(networkMode(true)).toBe("own");
    expect(networkMode(false)).toBe("none");
    expect(networkMode("host")).toBe("host");
  });

  for (const asRoot of [true, false]) {
    describe(asRoot ? "as root" : "unprivileged", () => {
      const plan = { ...planSandbox(makeConfig(), { asRoot }), resolvConf: "/etc/resolv.conf" };
      const line = (network: boolean | "host") =>
        sandboxCommand(plan, { network }, undefined, "/data/workspaces/1", "make");
      const options = (args: readonly string[]) => args.slice(0, args.indexOf("--"));

      it("unshares the network and holds the command on the block fd until the network is set up", () => {
        const own = line(true);
        expect(options(own.args)).toContain("--unshare-net");
        const at = own.args.indexOf("--block-fd");
        expect(own.args[at + 1]).toBe(String(NETWORK_BLOCK_FD));
        expect(own.network).toEqual({ blockFd: NETWORK_BLOCK_FD, joinUserNamespace: !asRoot });
        // The build's resolv.conf, fed to bwrap on its fd, comes last among the mounts, over the host's /etc.
        expect(own.inputs[RESOLV_CONF_FD]?.toString()).toBe(buildResolvConf());
        const data = own.args.indexOf("--ro-bind-data");
        expect(own.args.slice(data, data + 3)).toEqual([
          "--ro-bind-data",
          String(RESOLV_CONF_FD),
          "/etc/resolv.conf",
        ]);
        expect(data).toBeGreaterThan(own.args.lastIndexOf("/etc"));
      });

      it("keeps network: false as it was (a namespace with loopback only, nothing to set up)", () => {
        const none = line(false);
        expect(options(none.args)).toContain("--unshare-net");
        expect(none.args).not.toContain("--block-fd");
        expect(none.network).toBeUndefined();
        expect(none.inputs[RESOLV_CONF_FD]).toBeUndefined();
      });

      it("shares the host's network namespace only with network: host", () => {
        const host = line("host");
        expect(options(host.args)).not.toContain("--unshare-net");
        expect(host.network).toBeUndefined();
      });

      it("gives the build uid 1000 in a user namespace nested in the one that owns the network", () => {
        const args = line(true).args;
        const unshare = args.indexOf("unshare");
        expect(args.slice(unshare, unshare + 4)).toEqual([
          "unshare",
          "--user",
          "--map-user=1000",
          "--map-group=1000",
        ]);
        if (!asRoot) {
          // bwrap's own namespace keeps the sandbox's init: root there is slashbuild's uid.
          expect(options(args)).toEqual(
            expect.arrayContaining(["--unshare-user", "--uid", "0", "--gid", "0"]),
          );
        }
      });
    });
  }

  it("unprivileged with the group launcher: the launcher starts bwrap, whose namespace still owns the network and nests the build's", () => {
    const launcher = [
      "unshare",
      "--user",
      "--map-user=1000",
      "--map-groups=1500000,1000,1",
      "--setgid=1000",
      "--",
    ];
    const plan = { ...planSandbox(makeConfig(), { asRoot: false, launcher }), resolvConf: null };
    const line = sandboxCommand(plan, { network: true }, undefined, "/ws", "make");
    // Outside bwrap: the build's group (newgidmap), before bwrap's no_new_privs.
    expect(line.file).toBe("unshare");
    const bwrap = line.args.indexOf("bwrap");
    expect(line.args.slice(0, bwrap)).toEqual(launcher.slice(1));
    // bwrap's namespace maps root to what the launcher left; the build is 1000 in one nested in it.
    const end = line.args.indexOf("--", bwrap);
    expect(line.args.slice(bwrap, end)).toEqual(expect.arrayContaining(["--unshare-net", "--block-fd"]));
    expect(line.args.slice(end - 7, end + 6)).toEqual([
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
      "--map-user=1000",
      "--map-group=1000",
      "--",
    ]);
    expect(line.network?.joinUserNamespace).toBe(true);
  });

  it("blocks the host's own IPv4 addresses, loopback aside", () => {
    const own = Object.values(os.networkInterfaces())
      .flatMap((entries) => entries ?? [])
      .filter((entry) => entry.family === "IPv4" && !entry.internal)
      .map((entry) => entry.address);
    expect(hostAddresses().sort()).toEqual([...new Set(own)].sort());
    expect(hostAddresses().some((address) => address.startsWith("127."))).toBe(false);
  });
});

describe("a build's resolv.conf", () => {
  const files = (entries: Record<string, string>) => (file: string) => entries[file] ?? null;

  it("names slirp4netns's forwarder when the host's resolver is not on its loopback", () => {
    const conf = buildResolvConf(files({ "/etc/resolv.conf": "search lan\nnameserver 192.168.1.1\n" }));
    expect(conf).toBe(`nameserver ${SLIRP_DNS}\n`);
    expect(buildResolvConf(files({}))).toBe(`nameserver ${SLIRP_DNS}\n`);
  });

  it("names systemd-resolved's upstreams when the host's resolver is on its loopback (the forwarder cannot reach it)", () => {
    const conf = buildResolvConf(
      files({
        "/etc/resolv.conf": "nameserver 127.0.0.53\noptions edns0 trust-ad\n",
        [RESOLVED_UPSTREAMS]: "nameserver 10.1.2.3\nnameserver 127.0.0.1\nnameserver 2001:db8::53\n",
      }),
    );
    // IPv6 ones left out: the namespace has no IPv6 route out.
    expect(conf).toBe("nameserver 10.1.2.3\n");
  });

  it("falls back to the forwarder when a loopback resolver lists no upstream", () => {
    expect(buildResolvConf(files({ "/etc/resolv.conf": "nameserver 127.0.0.1\n" }))).toBe(
      `nameserver ${SLIRP_DNS}\n`,
    );
  });
});
