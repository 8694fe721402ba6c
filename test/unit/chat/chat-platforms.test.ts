import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  type ChatConnection,
  type ChatDeps,
  type ChatPlatform,
  defineChatPlatforms,
  platformNames,
} from "../../../src/chat/chat-platform.js";
import { CHAT_PLATFORMS } from "../../../src/chat/chat-platforms.js";
import { openChats } from "../../../src/chat/open-chats.js";
import { importsOf, readSources } from "../../architecture/import-graph.js";
import { makeConfig } from "../../helpers/make-config.js";

/**
 * The platform list is checked by the compiler: `npm test` type-checks this file (tsc), and each
 * @ts-expect-error below fails that check the day its line compiles.
 */

const deps: ChatDeps = {
  clock: Date.now,
  fetch,
  out: new PassThrough(),
  rootPosts: { get: () => undefined, set() {}, delete() {} },
  findBuild: () => undefined,
  previous: () => undefined,
  secrets: [],
  properNames: [],
  logger: { warn() {}, error() {} },
};

describe("the platform list", () => {
  it("files each built-in platform under its own name", () => {
    for (const [name, platform] of Object.entries(CHAT_PLATFORMS)) expect(platform.name).toBe(name);
    expect(Object.keys(CHAT_PLATFORMS)).toEqual(["mattermost", "console"]);
    expect(platformNames(CHAT_PLATFORMS)).toEqual(["Mattermost", "the console"]);
  });

  it("does not compile with a platform missing a member, filed under another name, or a name not in it", () => {
    const { open: _left, ...withoutOpen } = CHAT_PLATFORMS.console;
    // @ts-expect-error a platform that cannot be opened is no platform
    const incomplete: ChatPlatform<"console"> = withoutOpen;
    // @ts-expect-error the console filed under mattermost
    const misfiled = defineChatPlatforms({ mattermost: CHAT_PLATFORMS.console });
    // @ts-expect-error no platform is named slack: reading it is a compile error, not a fall-through
    const unknown = CHAT_PLATFORMS.slack;
    expect([incomplete.name, Object.keys(misfiled), unknown]).toEqual(["console", ["mattermost"], undefined]);
  });
});

describe("which platforms a config opens", () => {
  const opened = (config: ReturnType<typeof makeConfig>, platforms = CHAT_PLATFORMS) =>
    openChats(config, platforms, () => deps).map(({ platform, connection }) => [
      platform.name,
      connection.announcements?.mode ?? null,
      connection.receivers !== null,
    ]);

  it("the console stands in only while no other platform announces", () => {
    expect(opened(makeConfig({ mattermost: { token: "t" } }))).toEqual([
      ["mattermost", null, true],
      ["console", "console", false],
    ]);
    expect(
      opened(makeConfig({ mattermost: { token: "t", webhook_url: "http://chat.example.com/hooks/x" } })),
    ).toEqual([["mattermost", "webhook", true]]);
    expect(
      opened(makeConfig({ mattermost: { token: "t", url: "http://chat.example.com", bot_token: "b" } })),
    ).toEqual([["mattermost", "bot", true]]);
  });

  it("refuses two announcing platforms that would share their outbox rows", () => {
    const printer = CHAT_PLATFORMS.console;
    const twin: ChatPlatform<"twin"> = {
      ...printer,
      name: "twin",
      standIn: false,
      open: (config, d) => printer.open(config, d) as ChatConnection,
    };
    const config = makeConfig({ mattermost: { token: "t", webhook_url: "http://chat.example.com/hooks/x" } });
    expect(() => openChats(config, defineChatPlatforms({ ...CHAT_PLATFORMS, twin }), () => deps)).toThrow(
      'two chat platforms announce under the outbox sink "chat"',
    );
  });
});

/** Imports from a platform folder (src/chat/<platform>/) into another platform's folder. */
function crossPlatformImports(files: ReadonlyMap<string, string>): string[] {
  const platformOf = (file: string) => /^src\/chat\/([^/]+)\/.+/.exec(file)?.[1];
  const found: string[] = [];
  for (const [file, text] of files) {
    const platform = platformOf(file);
    if (!platform) continue;
    for (const { target } of importsOf(file, text)) {
      const other = target ? platformOf(target) : undefined;
      if (other && other !== platform) found.push(`${file} imports ${target}`);
    }
  }
  return found;
}

describe("platform folders", () => {
  const root = new URL("../../../", import.meta.url).pathname;

  it("never import each other: what two platforms share is a platform-neutral file in src/chat/", () => {
    expect(crossPlatformImports(readSources(root))).toEqual([]);
  });

  it("the check finds a platform that imports another", () => {
    const planted = new Map([
      [
        "src/chat/console/x.ts",
        'import { formatBuildFinished } from "../mattermost/format-build-message.js";',
      ],
      ["src/chat/console/y.ts", 'import { routeChannel } from "../route-channel.js";'],
    ]);
    expect(crossPlatformImports(planted)).toEqual([
      "src/chat/console/x.ts imports src/chat/mattermost/format-build-message.ts",
    ]);
  });
});
