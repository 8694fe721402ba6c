import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  ACTION_PATH,
  type ActionRouteOptions,
  actionRoute,
} from "../../../../src/chat/mattermost/action-route.js";
import { signAction } from "../../../../src/chat/mattermost/action-signature.js";
import { createMattermostChat } from "../../../../src/chat/mattermost/create-mattermost-chat.js";
import type { RootPost } from "../../../../src/chat/root-post-store.js";
import type { ChatCommand } from "../../../../src/core/chat-command.js";
import { errorHandler } from "../../../../src/http/error-handler.js";
import { FakeMattermost } from "../../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../../fakes/fake-mattermost-rest.js";
import { makeConfig } from "../../../helpers/make-config.js";

/**
 * The button receiver against a real fake Mattermost (users API over loopback), driven by the same
 * wiring app.ts uses (createMattermostChat's rootPostOf and whoIs). Each defence of issue 8 item 5
 * is shown refusing; the replay attack is also shown succeeding with the defence switched off.
 */

const SECRET = "s".repeat(32);
const BOT_TOKEN = "bottoken9x8w7v6u5t4s3r2q1p";
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 30, 4, 0, 0);
const POST_1 = "post1post1post1post1post1p";
const POST_2 = "post2post2post2post2post2p";
const bob = { id: "bobbobbobbobbobbobbobbobbo", name: "bob" };
const root = { id: "rootrootrootrootrootrootro", name: "root" };

let server: FastifyInstance | undefined;
let mattermost: FakeMattermost | undefined;
afterEach(async () => {
  await server?.close();
  await mattermost?.close();
  server = undefined;
  mattermost = undefined;
});

interface Harness {
  readonly commands: ChatCommand[];
  readonly rest: FakeRestApi;
  readonly mattermost: FakeMattermost;
  now: number;
  click(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** `defended: false` leaves out the post binding and the clicker look-up (webhook mode's wiring). */
async function start(defended = true): Promise<Harness> {
  mattermost = await FakeMattermost.start();
  const rest = new FakeRestApi(mattermost, { token: BOT_TOKEN });
  rest.addUser(bob);
  rest.addUser(root);
  const posts = new Map<number, RootPost>([
    [1, { buildId: 1, postId: POST_1, channelId: "c" }],
    [2, { buildId: 2, postId: POST_2, channelId: "c" }],
  ]);
  const config = makeConfig({
    mattermost: { token: "t", url: mattermost.url, bot_token: BOT_TOKEN, admins: ["root"] },
  });
  const harness = {
    commands: [] as ChatCommand[],
    rest,
    mattermost,
    now: T0,
  } as Harness;
  const chat = createMattermostChat(config, {
    rootPosts: { get: (id) => posts.get(id), set: () => {}, delete: () => {} },
    findBuild: () => undefined,
    clock: () => harness.now,
  });
  const options: ActionRouteOptions = {
    secret: SECRET,
    // The core's rule, reduced to what this test needs: admins may rebuild, others may not.
    handleCommand: async (command) => {
      harness.commands.push(command);
      return command.user.name === "root"
        ? { visibility: "ephemeral", text: `Rebuilding as ${command.user.name}` }
        : { visibility: "ephemeral", text: `only an admin may rebuild`, refusal: true };
    },
    properNames: [],
    fullLog: (id) => `log of #${id}`,
    clock: () => harness.now,
    rootPostOf: defended ? chat.rootPostOf : null,
    whoIs: defended ? chat.whoIs : null,
  };
  server = Fastify({ logger: false });
  server.setErrorHandler(errorHandler);
  await server.register(actionRoute, options);
  const app = server;
  harness.click = async (body) => {
    const response = await app.inject({
      method: "POST",
      url: ACTION_PATH,
      headers: { "content-type": "application/json" },
      payload: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  return harness;
}

const context = (build = 1, action: "stop" | "rebuild" | "log" = "rebuild", now = T0) =>
  signAction(SECRET, action, build, { now, lifetimeMs: 30 * DAY });

/** A click as Mattermost sends it (CONTRACT §6), by `user` on `postId`. */
const click = (user: { id: string; name: string }, postId: string, ctx: unknown = context()) => ({
  user_id: user.id,
  user_name: user.name,
  channel_id: "1vrjnvgfygwwqc38hyf9sxmeco",
  channel_name: "town-square",
  team_id: "hbrpoig8f1cbfno6b9m80o2rak",
  team_domain: "acme",
  post_id: postId,
  trigger_id: "dHJpZ2dlcg==",
  type: "button",
  data_source: "",
  context: ctx,
});

describe("button clicks: the replay of a captured context as someone else", () => {
  // The attack of issue 8: a captured Rebuild context, replayed with user_name=root and bob's id.
  const replay = click({ id: bob.id, name: "root" }, POST_1);

  it("succeeds without the defence: the core is told the clicker is root", async () => {
    const t = await start(false);
    const answer = await t.click(replay);
    expect(answer.status).toBe(200);
    expect(answer.body.ephemeral_text).toBe("Rebuilding as root");
    expect(t.commands.map((c) => c.user)).toEqual([{ id: bob.id, name: "root" }]);
  });

  it("fails with it: the name Mattermost gives for that id (bob) is the one judged", async () => {
    const t = await start();
    const answer = await t.click(replay);
    expect(answer.status).toBe(200);
    expect(answer.body.ephemeral_text).toMatch(/only an admin may rebuild/);
    expect(t.commands.map((c) => c.user)).toEqual([bob]);
    expect(t.mattermost.requests.some((r) => r.path === `/api/v4/users/${bob.id}`)).toBe(true);
  });

  it("refuses a clicker Mattermost does not know, or whose account is deactivated, before the core hears of it", async () => {
    const t = await start();
    const ghost = await t.click(click({ id: "ghostghostghostghostghostg", name: "root" }, POST_1));
    expect(ghost).toMatchObject({ status: 403, body: { error: "ACTION_USER_UNKNOWN" } });
    const notAnId = await t.click(click({ id: "../../users/me", name: "root" }, POST_1));
    expect(notAnId).toMatchObject({ status: 403, body: { error: "ACTION_USER_UNKNOWN" } });
    t.rest.deactivateUser(root.id);
    const gone = await t.click(click(root, POST_1));
    expect(gone).toMatchObject({ status: 403, body: { error: "ACTION_USER_UNKNOWN" } });
    expect(t.commands).toEqual([]);
  });

  it("does nothing, and says so with a 200, when Mattermost cannot be asked", async () => {
    const t = await start();
    t.mattermost.outage = "503";
    const answer = await t.click(click(root, POST_1));
    expect(answer.status).toBe(200);
    expect(answer.body.ephemeral_text).toMatch(/could not ask Mattermost who you are, so it did nothing/);
    expect(t.commands).toEqual([]);
  });
});

describe("button clicks: expiry and post binding", () => {
  it("refuses a context past mattermost.button_lifetime (410) and accepts it just before", async () => {
    const t = await start();
    t.now = T0 + 30 * DAY - 1000;
    expect((await t.click(click(root, POST_1))).status).toBe(200);
    t.now = T0 + 30 * DAY;
    expect(await t.click(click(root, POST_1))).toMatchObject({
      status: 410,
      body: { error: "ACTION_EXPIRED" },
    });
    expect(t.commands).toHaveLength(1);
  });

  it("refuses build 1's context clicked on build 2's post, or with no post id (403)", async () => {
    const t = await start();
    expect(await t.click(click(root, POST_2))).toMatchObject({
      status: 403,
      body: { error: "ACTION_WRONG_POST" },
    });
    const { post_id: _, ...noPost } = click(root, POST_1);
    expect(await t.click(noPost)).toMatchObject({ status: 403, body: { error: "ACTION_WRONG_POST" } });
    // A build with no known post (e.g. never posted) cannot be clicked at all.
    expect(await t.click(click(root, POST_1, context(3)))).toMatchObject({
      status: 403,
      body: { error: "ACTION_WRONG_POST" },
    });
    expect(t.commands).toEqual([]);
    expect((await t.click(click(root, POST_1))).body.ephemeral_text).toBe("Rebuilding as root");
  });

  it("without the binding (defence off), the same cross-post click goes through", async () => {
    const t = await start(false);
    expect((await t.click(click(root, POST_2))).body.ephemeral_text).toBe("Rebuilding as root");
  });
});

describe("button clicks: strict decoding", () => {
  it.each([
    ["an unknown field in the context", { ...context(), user: "root" }, "ACTION_CONTEXT_INVALID"],
    ["a string build number", { ...context(), build: "1" }, "ACTION_CONTEXT_INVALID"],
    [
      "a v1 context (no expiry)",
      { action: "rebuild", build: 1, sig: context().sig },
      "ACTION_CONTEXT_INVALID",
    ],
    ["an object as signature", { ...context(), sig: { length: 43 } }, "ACTION_CONTEXT_INVALID"],
    ["a null context (Mattermost omits a null one)", null, "ACTION_CONTEXT_INVALID"],
  ])("answers 400 for %s", async (_what, ctx, code) => {
    const t = await start();
    expect(await t.click(click(root, POST_1, ctx))).toMatchObject({ status: 400, body: { error: code } });
    expect(t.commands).toEqual([]);
  });

  it.each([
    ["a numeric user id", { user_id: 5 }],
    ["an array user name", { user_name: ["root"] }],
    ["a numeric post id", { post_id: 1 }],
    ["no channel", { channel_id: undefined }],
  ])("answers 400 REQUEST_INVALID for %s", async (_what, change) => {
    const t = await start();
    const answer = await t.click({ ...click(root, POST_1), ...change });
    expect(answer).toMatchObject({ status: 400, body: { error: "REQUEST_INVALID" } });
    expect(t.commands).toEqual([]);
  });

  it.each([
    ["a JSON array", "[1,2]"],
    ["a JSON string", '"stop 1"'],
    ["null", "null"],
    ["broken JSON", '{"context":'],
  ])("answers 4xx, never 5xx, for %s as the body", async (_what, raw) => {
    const t = await start();
    const answer = await t.click(raw);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });
});
