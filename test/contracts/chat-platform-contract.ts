import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Announcements,
  type ChatConnection,
  type ChatDeps,
  type ChatPlatform,
  defineChatPlatforms,
} from "../../src/chat/chat-platform.js";
import type { RootPost } from "../../src/chat/root-post-store.js";
import type { Config } from "../../src/config/config.js";
import type { Build, Step } from "../../src/core/build.js";
import type { ChatChannel, ChatCommand, ChatUser, Reply } from "../../src/core/chat-command.js";
import type { LogTailSource } from "../../src/core/ports.js";
import { errorHandler } from "../../src/http/error-handler.js";
import { repoNotifyFilter } from "../../src/notify/notify-policy.js";
import { OutboxStatusNotifier } from "../../src/notify/status-notifier.js";
import { makeBuild } from "../fakes/make-build.js";
import { RecordingOutbox } from "../fakes/recording-outbox.js";

/**
 * What every chat platform (src/chat/chat-platforms.ts, and one a test adds) must do, seen through
 * the code that uses a ChatPlatform: notify's durable path for its announcements, and a Fastify
 * server for its receivers. Each harness brings the platform's real peer (a loopback fake faithful
 * to its wire, or the stream it prints to) and reads back what people were shown; the suite only
 * opens the platform, drives it and reads.
 */

export interface ChatPlatformHarness {
  readonly platform: ChatPlatform;
  /**
   * A config under which the platform announces builds of repo `app` (commands `make` and
   * `make test`), and receives commands if it can, at public_url PUBLIC_URL.
   */
  readonly config: Config;
  /** What the harness gives the platform besides the suite's deps: its peer's fetch, the stream it prints to. */
  readonly deps: Pick<ChatDeps, "fetch" | "out">;
  /** What people were shown so far, as plain text, one entry per post (its current text) or printed block. */
  shown(): Promise<readonly string[]>;
  /**
   * Its receivers as people reach them: sends `text` as `who` to `server` (listening at `url`) and
   * resolves with what the person is answered, or the HTTP status when the request is refused.
   * null: nobody types on this platform.
   */
  readonly ask:
    | ((
        url: string,
        text: string,
        who: { readonly user: ChatUser; readonly channel: ChatChannel },
        credential: "valid" | "missing" | "wrong",
      ) => Promise<{ readonly status: number; readonly answer: string | null }>)
    | null;
  close(): Promise<void>;
}

export const PUBLIC_URL = "http://ci.example.com:8080";
const SECRET = "contract-secret-value-0123456789";
const OUTPUT = `compiling\nusing ${SECRET}\nerror: 2 tests failed\n`;

const steps: Step[] = [
  { index: 0, name: "make", status: "succeeded", exitCode: 0, startedAt: 1_011_000, finishedAt: 1_012_000 },
  { index: 1, name: "make test", status: "failed", exitCode: 2, startedAt: 1_012_000, finishedAt: 1_019_000 },
];

/** A build of app that ran its two steps; the second failed. */
function failedBuild(overrides: Partial<Build> = {}): Build {
  return makeBuild({
    id: 7,
    status: "failed",
    finishedAt: 1_020_000,
    failingStep: "make test",
    reason: null,
    steps,
    ...overrides,
  });
}

interface Opened {
  readonly connection: ChatConnection;
  readonly posts: Announcements;
}

export function chatPlatformContract(name: string, start: () => Promise<ChatPlatformHarness>): void {
  describe(`${name} honours the ChatPlatform contract`, () => {
    let h: ChatPlatformHarness;
    const warnings: string[] = [];
    const roots = new Map<number, RootPost>();

    beforeEach(async () => {
      h = await start();
      warnings.length = 0;
      roots.clear();
    });
    afterEach(async () => {
      await h.close();
    });

    function open(): Opened {
      const connection = h.platform.open(h.config, {
        ...h.deps,
        clock: Date.now,
        rootPosts: {
          get: (id) => roots.get(id),
          set: (post) => roots.set(post.buildId, post),
          delete: (id) => roots.delete(id),
        },
        findBuild: () => undefined,
        previous: () => undefined,
        secrets: [SECRET],
        properNames: ["GitHub"],
        logger: { warn: (_obj, msg) => warnings.push(msg), error: (_obj, msg) => warnings.push(msg) },
      });
      if (!connection?.announcements) throw new Error("the harness's config sets up no announcements");
      return { connection, posts: connection.announcements };
    }

    /** The build's life through notify's durable path, each stored message sent as the deliverer would. */
    async function announce(posts: Announcements, build: Build): Promise<void> {
      const outbox = new RecordingOutbox();
      const logs: LogTailSource = {
        readTail: async (_build, index) => (index === 1 ? { text: OUTPUT, complete: true } : null),
      };
      const notifier = new OutboxStatusNotifier(outbox, h.config, {
        formatter: posts.formatter,
        filter: repoNotifyFilter(h.config),
        logs,
        secrets: [SECRET],
      });
      notifier.buildQueued({ ...build, status: "queued", startedAt: null, finishedAt: null, steps: [] });
      notifier.buildStarted({ ...build, status: "running", finishedAt: null, steps: [] });
      notifier.buildProgressed({ ...build, status: "running", finishedAt: null });
      notifier.buildFinished(build);
      await notifier.settled();
      for (const message of outbox.messages) {
        // What the outbox keeps is JSON: the transport gets the payload as read back.
        const outcome = await posts.transport.send(JSON.parse(JSON.stringify(message.payload)));
        expect(outcome, message.kind).toEqual({ kind: "delivered" });
      }
    }

    it("has a name fit for a key, names people know it by, and fits in a platform list", () => {
      expect(h.platform.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(h.platform.displayNames.every((display) => /^\S/.test(display))).toBe(true);
      const list = defineChatPlatforms({ [h.platform.name]: h.platform });
      expect(list[h.platform.name]).toBe(h.platform);
      expect(h.platform.secrets(h.config).every((secret) => secret.length >= 16)).toBe(true);
    });

    it("announces a build's start and its end: number, repo, branch, how it ended, and the build's page", async () => {
      const { posts } = open();
      await announce(posts, failedBuild({ status: "succeeded", failingStep: null, steps: [] }));
      const shown = (await h.shown()).join("\n");
      for (const word of ["#7", "app", "main", "succeeded", `${PUBLIC_URL}/builds/7`]) {
        expect(shown, word).toContain(word);
      }
    });

    it("says why a build failed: the failing command and the end of its output, secrets masked", async () => {
      const { posts } = open();
      await announce(posts, failedBuild());
      const shown = (await h.shown()).join("\n");
      expect(shown).toContain("failed");
      expect(shown).toContain("make test");
      expect(shown).toContain("error: 2 tests failed");
      expect(shown).not.toContain(SECRET);
    });

    it("shows a build's untrusted text inert: no control character reaches people", async () => {
      const { posts } = open();
      const hostile = "evil\u001b[2J\u0007\u0000";
      await announce(posts, failedBuild({ branch: `feature/${hostile}`, reason: `stopped ${hostile}` }));
      const shown = await h.shown();
      expect(shown.join("\n")).toContain("feature/evil");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
      for (const text of shown) expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    });

    it("gives the same messages in the same order with and without the excerpt (StatusFormatter's rule)", () => {
      const { posts } = open();
      const build = failedBuild();
      const kinds = (excerpt: boolean) =>
        posts.formatter
          .finished(build, excerpt ? { step: steps[1] as Step, text: "error" } : null)
          .map((draft) => draft.kind);
      expect(kinds(true)).toEqual(kinds(false));
      expect(kinds(false).length).toBeGreaterThan(0);
    });

    it("tells the requester where its posts go, under the repo's notify filter", () => {
      const { posts } = open();
      expect(posts.formatter.destination?.(failedBuild())).toMatchObject({ when: "all" });
    });

    it("its transport never throws: odd payloads come back as outcomes", async () => {
      const { posts } = open();
      const circular: Record<string, unknown> = { text: "loop" };
      circular.self = circular;
      for (const payload of [undefined, null, "text", 42, circular]) {
        const outcome = await posts.transport.send(payload);
        expect(["delivered", "rate_limited", "retryable", "permanent"]).toContain(outcome.kind);
      }
    });

    describe("where people type (when the platform has receivers)", () => {
      let server: FastifyInstance | null = null;
      const asked: ChatCommand[] = [];
      const alice = { user: { id: "uid-alice", name: "alice" }, channel: { id: "cid-ci", name: "ci" } };

      afterEach(async () => {
        await server?.close();
        server = null;
      });

      async function serve(reply: Reply): Promise<string> {
        asked.length = 0;
        const receivers = open().connection.receivers;
        if (!receivers) throw new Error("no receivers");
        server = Fastify();
        server.setErrorHandler(errorHandler);
        await server.register(
          receivers.routes(async (command) => {
            asked.push(command);
            return reply;
          }),
        );
        return server.listen({ host: "127.0.0.1", port: 0 });
      }

      it("a command reaches the core as the person who typed it, from where it was typed, and they read the answer", async () => {
        if (!h.ask) {
          // A platform nobody types on has no receivers: nothing to ask.
          expect(open().connection.receivers).toBeNull();
          return;
        }
        const url = await serve({ visibility: "ephemeral", text: "Queued build #7." });
        const { status, answer } = await h.ask(url, "app main", alice, "valid");
        expect(status).toBe(200);
        expect(answer).toBe("Queued build #7.");
        expect(asked).toEqual([{ text: "app main", ...alice }]);
      });

      it("a refusal from the core reads as an apology, names kept", async () => {
        if (!h.ask) {
          // A platform nobody types on has no receivers: nothing to ask.
          expect(open().connection.receivers).toBeNull();
          return;
        }
        const url = await serve({
          visibility: "ephemeral",
          text: "GitHub refused the status.",
          refusal: true,
        });
        expect((await h.ask(url, "app", alice, "valid")).answer).toBe("Sorry, GitHub refused the status.");
        const lowered = await serve({ visibility: "ephemeral", text: "There is no repo x.", refusal: true });
        expect((await h.ask(lowered, "x", alice, "valid")).answer).toBe("Sorry, there is no repo x.");
      });

      it("a request without the platform's credential, or with a wrong one, never reaches the core", async () => {
        if (!h.ask) {
          // A platform nobody types on has no receivers: nothing to ask.
          expect(open().connection.receivers).toBeNull();
          return;
        }
        const url = await serve({ visibility: "ephemeral", text: "done" });
        for (const credential of ["missing", "wrong"] as const) {
          const { status } = await h.ask(url, "stop 7", alice, credential);
          expect(status, credential).toBeGreaterThanOrEqual(400);
          expect(status, credential).toBeLessThan(500);
        }
        expect(asked).toEqual([]);
      });
    });
  });
}
