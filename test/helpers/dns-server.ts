import { createSocket, type Socket } from "node:dgram";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A DNS server for tests, over UDP: every A query gets `answer`, any other type an empty answer
 * (enough for getaddrinfo). It binds `host` port 53, so give it an address of its own (a random
 * 127.x.y.z: no other service of the machine is on it).
 */
export async function startDnsServer(host: string, answer: string): Promise<Socket> {
  const server = createSocket("udp4");
  server.on("message", (query, from) => {
    let end = 12;
    while (query[end] !== 0 && end < query.length) end += (query[end] ?? 0) + 1;
    const isA = query.readUInt16BE(end + 1) === 1;
    const header = Buffer.from(query.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
    header.writeUInt32BE(isA ? 0x00010001 : 0x00010000, 4); // one question, one answer or none
    header.writeUInt32BE(0, 8);
    const address = answer.split(".").map(Number);
    const record = isA ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address]) : Buffer.alloc(0);
    server.send(Buffer.concat([header, query.subarray(12, end + 5), record]), from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.bind(53, host, () => resolve());
  });
  return server;
}

// `node --import tsx dns-server.ts HOST ANSWER`: the same server in a process of its own (a test
// runs it inside a network namespace with `ip netns exec`); prints "ready" once it listens.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await startDnsServer(process.argv[2] ?? "0.0.0.0", process.argv[3] ?? "127.0.0.1");
  process.stdout.write("ready\n");
}
