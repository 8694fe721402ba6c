import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { replyText } from "../../../src/chat/apologize.js";
import type { ChatPlatform, CommandHandler } from "../../../src/chat/chat-platform.js";
import { routeChannel } from "../../../src/chat/route-channel.js";
import type { Config } from "../../../src/config/config.js";
import { type Build, isFinal, STATUS_WORDS, shortSha } from "../../../src/core/build.js";
import { SlashbuildError } from "../../../src/core/errors.js";
import { filterOf } from "../../../src/notify/notify-policy.js";
import type { Excerpt, SendOutcome, StatusFormatter, Transport } from "../../../src/notify/ports.js";

/**
 * Tinychat, a made-up third chat platform, written as docs/architecture.md's recipe "Add a chat
 * platform" says: everything about it in one ChatPlatform, registered by adding it to the platform
 * list (test/integration/chat/add-a-platform.test.ts). It uses src/chat/'s common pieces only
 * (the apology, channel routing) and its wire differs from Mattermost's on purpose: JSON commands
 * signed with an HMAC, rooms instead of channels, plain-text messages. A real platform would read
 * these settings from its section of the config; this one, living in the test tree, is given them.
 */

export interface TinychatSettings {
  readonly url: string;
  readonly token: string;
  readonly signingSecret: string;
}

export const TINYCHAT_COMMAND_PATH = "/tinychat/commands";

export function tinychatPlatform(settings: TinychatSettings): ChatPlatform<"tinychat"> {
  return {
    name: "tinychat",
    displayNames: ["Tinychat"],
    standIn: false,
    secrets: () => [settings.token, settings.signingSecret],
    open: (config, deps) => ({
      receivers: {
        commandPaths: [TINYCHAT_COMMAND_PATH],
        routes: (handle) => commandRoute(settings.signingSecret, deps.properNames, handle),
      },
      announcements: {
        mode: "tinychat",
        sink: "tinychat",
        transport: tinychatTransport(settings, deps.fetch),
        formatter: tinychatFormatter(config),
        paced: true,
      },
      probe: null,
      start() {},
    }),
  };
}

const who = z.object({ id: z.string().min(1), name: z.string().min(1) });
const commandSchema = z.object({ text: z.string(), user: who, room: who });

function commandRoute(secret: string, names: readonly string[], handle: CommandHandler): FastifyPluginAsync {
  return async (app) => {
    // The signature covers the raw body: read it as bytes in this scope.
    app.removeContentTypeParser("application/json");
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) =>
      done(null, body),
    );
    app.post(TINYCHAT_COMMAND_PATH, async (request) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!signedBy(secret, body, request.headers["x-tinychat-signature"])) {
        throw new SlashbuildError("AUTH_TOKEN_INVALID", "Missing or wrong Tinychat signature.");
      }
      const command = commandSchema.safeParse(parseJson(body));
      if (!command.success)
        throw new SlashbuildError("REQUEST_INVALID", "A Tinychat command is { text, user, room }.");
      const { text, user, room } = command.data;
      return { reply: replyText(await handle({ text, user, channel: room }), names) };
    });
  };
}

function signedBy(secret: string, body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  const expected = Buffer.from(`v1=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const presented = Buffer.from(header);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}

function tinychatTransport(settings: TinychatSettings, fetchImpl: typeof fetch): Transport {
  return {
    async send(payload): Promise<SendOutcome> {
      let body: string;
      try {
        body = JSON.stringify(payload ?? null);
      } catch (error) {
        return { kind: "permanent", error: `not JSON: ${String(error)}` };
      }
      try {
        const response = await fetchImpl(`${settings.url}/api/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${settings.token}`, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(5000),
        });
        const text = await response.text();
        if (response.ok) return { kind: "delivered" };
        const error = `HTTP ${response.status}: ${text.slice(0, 200)}`;
        if (response.status === 429) return { kind: "rate_limited", retryAfterMs: null, error };
        return response.status >= 500 ? { kind: "retryable", error } : { kind: "permanent", error };
      } catch (error) {
        return { kind: "retryable", error: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}

function tinychatFormatter(config: Config): StatusFormatter {
  const repoOf = (build: Build) =>
    Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
  const message = (build: Build, lines: readonly string[]) => ({
    room: routeChannel(repoOf(build), build.branch),
    text: inert([...lines, `${config.publicUrl}/builds/${build.id}`].join("\n")),
  });
  const subject = (build: Build) =>
    `Build #${build.id} of ${build.repo} ${build.branch} (${shortSha(build.sha)})`;
  return {
    queued: () => [],
    started: (build) => [{ kind: "started", payload: message(build, [`${subject(build)} started.`]) }],
    progressed: () => [],
    finished: (build, excerpt: Excerpt | null) => {
      const status = isFinal(build.status) ? build.status : "interrupted";
      const lines = [`${subject(build)} ${STATUS_WORDS[status]}.`];
      if (build.failingStep) lines.push(`Failing command: ${build.failingStep}`);
      if (build.reason) lines.push(`Reason: ${build.reason}`);
      if (excerpt) lines.push(excerpt.text);
      return [{ kind: "finished", payload: message(build, lines) }];
    },
    destination: (build) => {
      const room = routeChannel(repoOf(build), build.branch);
      return {
        where: room ? { kind: "channel", name: room } : { kind: "here" },
        when: filterOf(repoOf(build)),
      };
    },
  };
}

/** Tinychat shows text as is: control characters a build's text could carry are dropped. */
function inert(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, " ");
}
