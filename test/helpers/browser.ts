import net from "node:net";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { makeTempDir, removeDir } from "./git-repo.js";

/** Debian's chromium (`.ci/run` installs it), driven by playwright-core: no browser download. */
export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(width?: number, height?: number): Promise<Page>;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** The viewer's time zone and language (IANA zone, BCP 47 tag); default: the machine's. */
  readonly timezoneId?: string;
  readonly locale?: string;
}

/** A fresh headless chromium with its own temporary profile; close() removes the profile. */
export async function launchBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const profile = await makeTempDir("slashbuild-chromium-");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  return {
    context,
    async newPage(width = 1280, height = 900) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    async close() {
      await context.close();
      await removeDir(profile);
    },
  };
}

/**
 * A TCP proxy in front of the service that can cut every open connection, as a flaky network
 * would: the way to make a real EventSource reconnect (it then sends Last-Event-ID). It also
 * records the request heads it forwards, so a test can see that a resumption was asked for.
 */
export class DropProxy {
  readonly heads: string[] = [];
  readonly #sockets = new Set<net.Socket>();

  private constructor(
    readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<DropProxy> {
    const { hostname, port } = new URL(target);
    let proxy: DropProxy | null = null;
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(port), hostname);
      proxy?.track(client, upstream);
      client.on("data", (chunk: Buffer) => {
        const text = chunk.toString("latin1");
        if (/^(GET|POST) /.test(text)) proxy?.heads.push(text.slice(0, text.indexOf("\r\n\r\n")));
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as net.AddressInfo;
    proxy = new DropProxy(server, `http://127.0.0.1:${address.port}`);
    return proxy;
  }

  private track(...sockets: net.Socket[]): void {
    for (const socket of sockets) {
      this.#sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => this.#sockets.delete(socket));
    }
  }

  /** Cuts every connection open right now (new ones still get through). */
  dropAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
