import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";

/**
 * "The internet" for tests that must not leave the machine: a host in a network namespace the
 * test makes itself (`ip netns add`, random name), joined to the host by a veth pair and routed
 * from it, serving HTTP. Nothing is sent to any address outside this machine.
 */
export interface TestHost {
  /** The namespace's name (`ip netns`). */
  readonly name: string;
  /** The test host's address, reached through the host's routing like any outside address. */
  readonly address: string;
  /** The host's own end of the veth: an address of the host on an interface other than loopback. */
  readonly hostAddress: string;
  /** Where the test host's HTTP server listens (on `address`); its DNS server, on port 53, says every name is `address`. */
  readonly port: number;
  /** What the HTTP server answers, so a reply cannot be mistaken for anything else. */
  readonly token: string;
  close(): Promise<void>;
}

/**
 * HTTP: answers every request with the token; prints its port once it listens (port 0: the
 * kernel's pick). DNS, on port 53 of the test host's own namespace: every A query gets the test
 * host's address, any other type an empty answer (enough for getaddrinfo).
 */
const SERVER = `
const [token, address] = process.argv.slice(1);
const server = require("node:http").createServer((request, response) => response.end(token));
const dns = require("node:dgram").createSocket("udp4");
dns.on("message", (query, from) => {
  let end = 12;
  while (query[end] !== 0 && end < query.length) end += query[end] + 1;
  const isA = query.readUInt16BE(end + 1) === 1;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2);
  header.writeUInt32BE(isA ? 0x00010001 : 0x00010000, 4);
  header.writeUInt32BE(0, 8);
  const record = isA ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split(".").map(Number)]) : Buffer.alloc(0);
  dns.send(Buffer.concat([header, query.subarray(12, end + 5), record]), from.port, from.address);
});
dns.bind(53, "0.0.0.0", () => server.listen(0, "0.0.0.0", () => console.log(server.address().port)));
`;

/** Needs root (network namespaces and veth pairs); fails, never skips, without it. */
export async function startTestHost(): Promise<TestHost> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "a test host in a network namespace needs root (`ip netns add`): run the tests as root, as CI does",
    );
  }
  const suffix = randomBytes(3).toString("hex");
  const name = `sbtest-${suffix}`;
  const hostSide = `sbh${suffix}`;
  const hostSideInNs = `sbn${suffix}`;
  // A random /30 of the benchmarking range (RFC 2544), never a real network's.
  const base = randomInt(0, 2 * 256 * 64) * 4;
  const octets = (offset: number) =>
    `198.${18 + ((base + offset) >> 16)}.${((base + offset) >> 8) & 255}.${(base + offset) & 255}`;
  const hostAddress = octets(1);
  const address = octets(2);
  const token = `outside-${randomBytes(8).toString("hex")}`;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
  let server: ChildProcess | null = null;
  const close = async (): Promise<void> => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGKILL");
      await exited;
    }
    for (const args of [
      ["netns", "del", name],
      ["link", "del", hostSide],
    ]) {
      try {
        ip(...args);
      } catch {
        // already gone (deleting the namespace takes its end of the pair, and so the pair)
      }
    }
  };
  try {
    ip("netns", "add", name);
    ip("link", "add", hostSide, "type", "veth", "peer", "name", hostSideInNs, "netns", name);
    ip("addr", "add", `${hostAddress}/30`, "dev", hostSide);
    ip("link", "set", hostSide, "up");
    ip("-n", name, "addr", "add", `${address}/30`, "dev", hostSideInNs);
    ip("-n", name, "link", "set", hostSideInNs, "up");
    ip("-n", name, "link", "set", "lo", "up");
    const started = spawn("ip", ["netns", "exec", name, process.execPath, "-e", SERVER, token, address], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    server = started;
    const port = await new Promise<number>((resolve, reject) => {
      started.stdout?.once("data", (chunk: Buffer) => resolve(Number(String(chunk).trim())));
      started.once("exit", (code) => reject(new Error(`the test host's server exited (${code})`)));
    });
    return { name, address, hostAddress, port, token, close };
  } catch (error) {
    await close();
    throw error;
  }
}
