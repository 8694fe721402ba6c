import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { safeRequestSerializer } from "../../../src/chat/mattermost/safe-request-serializer.js";
import { slashRoute } from "../../../src/chat/mattermost/slash-route.js";
import type { ChatCommand, Reply } from "../../../src/core/chat-command.js";
import { SlashbuildError } from "../../../src/core/errors.js";
import { errorHandler } from "../../../src/http/error-handler.js";
import { sendSlashCommand } from "../../fakes/send-slash-command.js";

const TOKEN = "cuzrenun5z3jqip98q1zxoi65f";
const ROTATED = "newtokenq1zxoi65fcuzrenun5";

let app: FastifyInstance;
let base: string;
let received: ChatCommand[];
let answer: (command: ChatCommand) => Promise<Reply>;
let log: string;

beforeEach(async () => {
  received = [];
  log = "";
  answer = async (command) => ({
    visibility: "in_channel",
    text: `Build [#1](http://ci/builds/1) of ${command.text} queued`,
  });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  app = Fastify({ logger: { level: "debug", stream, serializers: { req: safeRequestSerializer } } });
  app.setErrorHandler(errorHandler);
  await app.register(slashRoute, {
    tokens: [TOKEN, ROTATED],
    properNames: ["GitHub"],
    handleCommand: (command) => {
      received.push(command);
      return answer(command);
    },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await app.close();
});

const url = (path = "/mattermost/command") => `${base}${path}`;

describe("slash route", () => {
  it("answers a POST the way Mattermost accepts: 200, application/json, response_type and text", async () => {
    const outcome = await sendSlashCommand({ url: url(), token: TOKEN, text: "app main" });
    expect(outcome).toMatchObject({
      ok: true,
      status: 200,
      response: { response_type: "in_channel", text: "Build [#1](http://ci/builds/1) of app main queued" },
    });
    expect(outcome.contentType).toMatch(/^application\/json/);
    expect(received).toEqual([
      {
        text: "app main",
        user: { id: "sfogyr3xkxwnrek8pk3yr9oudo", name: "alice" },
        channel: { id: "1vrjnvgfygwwqc38hyf9sxmeco", name: "town-square" },
      },
    ]);
  });

  it("answers GET (token in the query string) and the legacy /change_hook/mattermost path", async () => {
    const get = await sendSlashCommand({ url: url(), token: TOKEN, text: "list", method: "GET" });
    expect(get).toMatchObject({ ok: true, response: { response_type: "in_channel" } });
    const legacyPost = await sendSlashCommand({
      url: url("/change_hook/mattermost"),
      token: TOKEN,
      text: "help",
    });
    const legacyGet = await sendSlashCommand({
      url: url("/change_hook/mattermost"),
      token: TOKEN,
      text: "help",
      method: "GET",
    });
    expect([legacyPost.ok, legacyGet.ok]).toEqual([true, true]);
    expect(received.map((command) => command.text)).toEqual(["list", "help", "help"]);
  });

  it("accepts the token from the Authorization header alone, and any token of the list", async () => {
    const headerOnly = await sendSlashCommand({
      url: url(),
      token: TOKEN,
      text: "a",
      fields: { token: undefined },
    });
    const rotated = await sendSlashCommand({ url: url(), token: ROTATED, text: "b" });
    expect([headerOnly.ok, rotated.ok]).toEqual([true, true]);
    expect(received).toHaveLength(2);
  });

  it("refuses a wrong or missing token with 401 and never calls the core", async () => {
    const wrong = await sendSlashCommand({ url: url(), token: "wrongtokenwrongtokenwrong1", text: "app" });
    const missing = await sendSlashCommand({
      url: url(),
      token: TOKEN,
      text: "app",
      fields: { token: undefined },
      authorization: null,
    });
    const wrongHeader = await sendSlashCommand({
      url: url(),
      token: TOKEN,
      text: "app",
      fields: { token: undefined },
      authorization: "Token nope",
    });
    const wrongGet = await sendSlashCommand({ url: url(), token: "nope", text: "app", method: "GET" });
    for (const outcome of [wrong, missing, wrongHeader, wrongGet]) {
      expect(outcome).toMatchObject({ ok: false, status: 401 });
      expect(JSON.parse(outcome.rawBody)).toMatchObject({ error: "AUTH_TOKEN_INVALID" });
    }
    expect(received).toEqual([]);
  });

  it("refuses a huge body with 413 before the core sees it", async () => {
    const response = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Token ${TOKEN}` },
      body: `token=${TOKEN}&user_id=u&user_name=n&channel_id=c&channel_name=x&text=${"a".repeat(200_000)}`,
    });
    expect(response.status).toBe(413);
    expect(received).toEqual([]);
  });

  it("passes hostile text to the core verbatim", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${IFS} is part of the hostile input
    const text = "app --upload-pack=touch${IFS}x main;rm -rf / $(id) `id` a+b%20c&d=e <!channel> 😀\tend ";
    for (const method of ["POST", "GET"] as const) {
      await sendSlashCommand({ url: url(), token: TOKEN, text, method });
    }
    expect(received.map((command) => command.text)).toEqual([text, text]);
  });

  it("keeps repeated mention keys from breaking the form", async () => {
    const outcome = await sendSlashCommand({
      url: url(),
      token: TOKEN,
      text: "app cc @bob @carol",
      userMentions: [
        { name: "bob", id: "b1" },
        { name: "carol", id: "c1" },
      ],
    });
    expect(outcome.ok).toBe(true);
    expect(received[0]?.text).toBe("app cc @bob @carol");
  });

  it('turns a refusal from the core into an ephemeral apology (the one place "Sorry, " is added)', async () => {
    answer = async () => {
      throw new SlashbuildError("REPO_UNKNOWN", "There is no repo x; you can build app.");
    };
    const outcome = await sendSlashCommand({ url: url(), token: TOKEN, text: "x" });
    expect(outcome).toMatchObject({
      ok: true,
      response: { response_type: "ephemeral", text: "Sorry, there is no repo x; you can build app." },
    });
    answer = async () => ({
      visibility: "ephemeral",
      text: "Buildbot at http://bb is not available.",
      refusal: true,
    });
    const refused = await sendSlashCommand({ url: url(), token: TOKEN, text: "x" });
    expect(refused).toMatchObject({
      response: { text: "Sorry, Buildbot at http://bb is not available." },
    });
  });

  it("answers an unexpected failure with a helpful ephemeral text, not a 500", async () => {
    answer = async () => {
      throw new Error("database is locked at /secret/path");
    };
    const outcome = await sendSlashCommand({ url: url(), token: TOKEN, text: "app" });
    expect(outcome).toMatchObject({ ok: true, response: { response_type: "ephemeral" } });
    expect(JSON.stringify(outcome)).not.toContain("/secret/path");
    expect(log).toContain("database is locked");
  });

  it("refuses a request with a valid token but no user or channel (400)", async () => {
    const response = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${TOKEN}&text=app`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "REQUEST_INVALID" });
    expect(received).toEqual([]);
  });

  it("answers a body that is not a form with 4xx, never a 500, and never calls the core (issue 8, item 1)", async () => {
    // The attack: a JSON token that is not a string reached the token hash (TypeError, HTTP 500).
    const bodies: Array<[string, string]> = [
      ["application/json", JSON.stringify({ token: [123] })],
      ["application/json", JSON.stringify({ token: { a: 1 }, user_id: 1, user_name: [], channel_id: {} })],
      [
        "application/json",
        JSON.stringify({
          token: TOKEN,
          user_id: "u",
          user_name: "n",
          channel_id: "c",
          channel_name: "c",
          text: "app",
        }),
      ],
      ["application/json", "[1,2,3]"],
      ["application/json", "null"],
      ["text/plain", "token=x"],
      ["application/octet-stream", "\u0000\u0001"],
    ];
    for (const [type, body] of bodies) {
      const response = await fetch(url(), { method: "POST", headers: { "content-type": type }, body });
      expect(response.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${type} ${body}`).toBeLessThan(500);
    }
    // A GET query with repeated or odd keys is still a form: strings only reach the token check.
    const odd = await fetch(`${url()}?token[]=1&token[x]=2&user_id=`);
    expect(odd.status).toBe(401);
    expect(received).toEqual([]);
    expect(log).not.toContain('"level":50');
  });

  it("never writes a token to the request log, for GET or POST, right or wrong", async () => {
    await sendSlashCommand({ url: url(), token: TOKEN, text: "app", method: "GET" });
    await sendSlashCommand({
      url: url("/change_hook/mattermost"),
      token: ROTATED,
      text: "app",
      method: "GET",
    });
    await sendSlashCommand({ url: url(), token: TOKEN, text: "app" });
    await sendSlashCommand({ url: url(), token: "wrongtokenwrongtokenwrong1", text: "app", method: "GET" });
    await app.close();
    // The log did record the requests, by path only.
    expect(log).toContain('"url":"/mattermost/command"');
    expect(log).toContain('"url":"/change_hook/mattermost"');
    for (const secret of [TOKEN, ROTATED, "wrongtokenwrongtokenwrong1"]) expect(log).not.toContain(secret);
  });
});

describe("safeRequestSerializer", () => {
  it("strips the query string and logs no headers", () => {
    const logged = safeRequestSerializer({
      method: "GET",
      url: "/mattermost/command?token=abc&text=x",
      host: "ci:8080",
      ip: "127.0.0.1",
      socket: { remotePort: 5000 },
    });
    expect(logged).toEqual({
      method: "GET",
      url: "/mattermost/command",
      host: "ci:8080",
      remoteAddress: "127.0.0.1",
      remotePort: 5000,
    });
    expect(JSON.stringify(logged)).not.toContain("abc");
  });
});
