import { createServer, type Server, Socket } from "node:net";

/**
 * A loopback TCP relay in front of a server (a Buildbot master's web port), for tests about
 * requests whose fate slashbuild cannot know:
 * - `swallow`: what the client sends is read and dropped, a request lost on the way, which the
 *   server never sees;
 * - `muffle`: what the client sends goes through, the server's answers are dropped, as for a
 *   client that died waiting (the server acted on the request; the client never heard).
 * `sent` is everything the client has sent through so far, to wait for a given request.
 */
export interface TcpRelay {
  readonly url: string;
  swallow: boolean;
  muffle: boolean;
  readonly sent: () => string;
  close(): Promise<void>;
}

export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const state = { swallow: false, muffle: false, sent: "" };
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(targetPort, "127.0.0.1");
    client.on("data", (chunk: Buffer) => {
      if (state.swallow) return;
      state.sent += chunk.toString("latin1");
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!state.muffle) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get swallow() {
      return state.swallow;
    },
    set swallow(value: boolean) {
      state.swallow = value;
    },
    get muffle() {
      return state.muffle;
    },
    set muffle(value: boolean) {
      state.muffle = value;
    },
    sent: () => state.sent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
