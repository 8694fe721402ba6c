import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildResolvConf } from "../../src/backends/local/sandbox/build-network.js";
import { sendSlashCommand } from "../fakes/send-slash-command.js";
import { GitRepoFixture, makeTempDir, removeDir } from "./git-repo.js";
import { attackResults } from "./hostile-build-scripts.js";
import { HOST_ATTACKS, NET_ATTACK } from "./hostile-network-scripts.js";
import { freePort, ServiceProcess, waitFor } from "./service-process.js";
import { createSystemUser, type SystemUser } from "./system-user.js";
import { startTestHost, type TestHost } from "./test-host-netns.js";
import { assertUserNamespaces, handOver, type UnprivilegedUser } from "./unprivileged-user.js";

const TOKEN = "hostile-net-slash-token-0123456789abcdef";
type Network = "host" | "default";

/** A service on the host answering every connection with `token`, as the Buildbot master's ports would. */
async function listener(token: string, at: { host?: string; port?: number; path?: string }): Promise<Server> {
  const server = createServer((socket) => socket.end(`${token}\n`));
  await new Promise<void>((resolve) =>
    server.listen(at.path ? { path: at.path } : { host: at.host, port: 0 }, resolve),
  );
  return server;
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * Hostile builds and the network (issue 18): from inside a real sandboxed build, run by the real
 * binary, a build tries to reach what is the host's: slashbuild's /metrics, a TCP service on the
 * host's loopback (a stand-in for the Buildbot master), an abstract unix socket of the host's (the
 * test's, so root's when the suite runs as root), the host's connections in /proc/net/tcp, and
 * the host's own address on another interface. Each succeeds with `network: host` and fails with
 * the default (a network namespace of its own), while the outside (a test host in a network
 * namespace of the test's) is reached either way. `user`: slashbuild runs as that non-root user;
 * run as root, the test adds it to the machine with a subordinate gid, so builds run as in
 * production: the group launcher around bwrap, and the network set up through both namespaces.
 */
export function describeHostileNetwork(user?: UnprivilegedUser): void {
  const who = user ? `unprivileged (uid ${user.uid})` : `as uid ${process.getuid?.() ?? 0}`;

  describe(`hostile builds and the network, slashbuild ${who}`, () => {
    const tokens = {
      loopback: `loopback-${randomBytes(8).toString("hex")}`,
      all: `all-addresses-${randomBytes(8).toString("hex")}`,
      abstract: `abstract-${randomBytes(8).toString("hex")}`,
    };
    const abstractName = `slashbuild-test-${randomBytes(6).toString("hex")}`;
    const servers: Server[] = [];
    let outside: TestHost;
    let repo: GitRepoFixture;
    let dir: string;
    let service: ServiceProcess;
    const logs = new Map<Network, string>();
    let system: SystemUser | undefined;

    beforeAll(async () => {
      if (user) assertUserNamespaces(user);
      // newgidmap, which gives unprivileged builds a group of their own, needs a user of the machine.
      if (user?.switched) system = await createSystemUser(user.uid);
      outside = await startTestHost();
      const loopback = await listener(tokens.loopback, { host: "127.0.0.1" });
      const everywhere = await listener(tokens.all, { host: "0.0.0.0" });
      servers.push(loopback, everywhere, await listener(tokens.abstract, { path: `\0${abstractName}` }));
      repo = await GitRepoFixture.create();
      await repo.commit({ message: "network attacks", files: { "ci/net.py": NET_ATTACK } });
      dir = await makeTempDir("slashbuild-hostile-net-");
      const targets = {
        SB_LOOPBACK_PORT: String(portOf(loopback)),
        SB_ALL_PORT: String(portOf(everywhere)),
        SB_ABSTRACT: abstractName,
        SB_HOST_ADDRESS: outside.hostAddress,
        SB_OUTSIDE: outside.address,
        SB_OUTSIDE_PORT: String(outside.port),
      };
      // slashbuild's own port goes into the builds' environment: the attack reads /metrics there.
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { ...targets, SB_PORT: String(port) };
      const written = await ServiceProcess.write(dir, {
        listen: `127.0.0.1:${port}`,
        public_url: url,
        data_dir: "./data",
        log_level: "warn",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's ${ENV} syntax, on purpose
        mattermost: { token: "${SB_SLASH_TOKEN}" },
        repos: {
          "net-host": { url: repo.dir, commands: ["python3 ci/net.py"], network: "host", env },
          "net-default": { url: repo.dir, commands: ["python3 ci/net.py"], env },
        },
      });
      if (user) await handOver(user, dir, repo.dir);
      service = new ServiceProcess(
        written.configFile,
        port,
        { SB_SLASH_TOKEN: TOKEN, ...(user?.switched ? { HOME: dir } : {}) },
        user?.switched ? user : undefined,
      );
      await service.start();
      for (const network of ["host", "default"] as const) logs.set(network, await runBuild(`net-${network}`));
    });

    // Only where the test made the user: elsewhere whether it has a subordinate gid is the machine's.
    if (user?.switched) {
      it("runs its builds with their own group (the launcher), not slashbuild's", () => {
        expect(service.stderr).not.toContain("builds keep slashbuild's group");
      });
    }

    afterAll(async () => {
      await service?.stop("SIGKILL");
      for (const server of servers) server.close();
      await outside?.close();
      await repo?.remove();
      if (dir) await removeDir(dir);
      await system?.remove();
    });

    async function runBuild(name: string): Promise<string> {
      const outcome = await sendSlashCommand({
        url: `${service.url}/mattermost/command`,
        token: TOKEN,
        text: name,
        user: { id: "uid-alice", name: "alice" },
        channel: { id: "chan-ci", name: "ci" },
      });
      const id = /\[#(\d+)\]/.exec(outcome.ok ? String(outcome.response.text) : "")?.[1];
      if (!id) throw new Error(`no build queued: ${JSON.stringify(outcome)}`);
      const dataDir = path.join(dir, "data");
      await waitFor(
        `build #${id} to finish`,
        () => {
          const db = new Database(path.join(dataDir, "slashbuild.db"), {
            readonly: true,
            fileMustExist: true,
          });
          try {
            const row = db.prepare("SELECT status FROM builds WHERE id = ?").get(Number(id)) as
              | { status: string }
              | undefined;
            return row && !["queued", "running"].includes(row.status) ? row.status : undefined;
          } finally {
            db.close();
          }
        },
        180_000,
      );
      return readFile(path.join(dataDir, "logs", id, "0.log"), "utf8");
    }

    describe.each<Network>(["host", "default"])("network: %s", (network) => {
      const shared = network === "host";
      const said = () => attackResults(logs.get(network) ?? "");

      it("ran every attack", () => {
        expect(logs.get(network)).toContain("NET-DONE");
        expect([...said().keys()].sort()).toEqual([...HOST_ATTACKS, "outside"].sort());
      });

      it(`${shared ? "reads" : "cannot read"} slashbuild's /metrics on loopback`, () => {
        expect(said().get("metrics")).toBe(shared ? "OK slashbuild_builds_started_total" : "DENIED");
      });

      it(`${shared ? "reaches" : "cannot reach"} a TCP service on the host's loopback`, () => {
        expect(said().get("loopback")).toBe(shared ? `OK ${tokens.loopback}` : "DENIED");
      });

      it(`${shared ? "lists and connects to" : "can neither list nor connect to"} the host's abstract unix socket`, () => {
        expect(said().get("abstract-list")).toBe(shared ? `OK ${abstractName}` : "DENIED");
        expect(said().get("abstract-connect")).toBe(shared ? `OK ${tokens.abstract}` : "DENIED");
      });

      it(`${shared ? "sees" : "does not see"} the host's listening socket in /proc/net/tcp`, () => {
        expect(said().get("proc-net-tcp")?.startsWith("OK ")).toBe(shared);
      });

      it(`${shared ? "reaches" : "cannot reach"} the host's own address on another interface`, () => {
        expect(said().get("other-interface")).toBe(shared ? `OK ${tokens.all}` : "DENIED");
      });

      it("reaches the outside, and its resolv.conf names a resolver it can reach", async () => {
        expect(said().get("outside")).toBe(`OK ${outside.token}`);
        const resolver = /^RESOLVER (\S+)$/m.exec(logs.get(network) ?? "")?.[1];
        const hosts = (await readFile("/etc/resolv.conf", "utf8").catch(() => "")).match(
          /^nameserver\s+(\S+)/m,
        )?.[1];
        // Its own network asks slirp4netns's forwarder, or the upstreams of a loopback resolver
        // (test/integration/backends/local/build-network.test.ts resolves names both ways).
        const own = /^nameserver\s+(\S+)/m.exec(buildResolvConf())?.[1];
        expect(resolver).toBe(shared ? hosts : own);
        if (!shared) expect(resolver).not.toBe(hosts);
      });
    });
  });
}
