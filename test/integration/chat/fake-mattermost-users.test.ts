import { afterEach, describe, expect, it } from "vitest";
import { createMattermostApi } from "../../../src/chat/mattermost/mattermost-api.js";
import { FakeMattermost } from "../../fakes/fake-mattermost.js";
import { FakeRestApi } from "../../fakes/fake-mattermost-rest.js";

/** The fake's `GET /api/v4/users/{id}` (CONTRACT §7 auth and AppError shapes), through bot mode's API client, and its direct channels. */

const TOKEN = "bottoken9x8w7v6u5t4s3r2q1p";
const bob = { id: "bobbobbobbobbobbobbobbobbo", name: "bob" };
let mattermost: FakeMattermost | undefined;
afterEach(async () => {
  await mattermost?.close();
  mattermost = undefined;
});

describe("fake Mattermost: users by id", () => {
  it("answers a known user, 404 for an unknown one, delete_at once deactivated, 401 without the token", async () => {
    mattermost = await FakeMattermost.start();
    const rest = new FakeRestApi(mattermost, { token: TOKEN });
    rest.addUser(bob);
    const api = createMattermostApi({ url: mattermost.url, token: TOKEN, timeoutMs: 5000 });
    expect(await api.user(bob.id)).toMatchObject({
      ok: true,
      body: { id: bob.id, username: "bob", delete_at: 0 },
    });
    expect(await api.user("nobodynobodynobodynobodyno")).toMatchObject({ ok: false, status: 404 });
    // Not an id: refused by the client before it becomes part of a URL.
    expect(await api.user("../me")).toMatchObject({ ok: false, status: 404 });
    expect(mattermost.requests.map((r) => r.path)).not.toContain("/api/v4/me");

    rest.deactivateUser(bob.id);
    const gone = await api.user(bob.id);
    expect(gone.ok && gone.body.delete_at).toBeGreaterThan(0);

    const raw = await fetch(`${mattermost.url}/api/v4/users/${bob.id}`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ id: "api.context.session_expired.app_error", status_code: 401 });
    // users/me still answers the bot itself, not a user whose id is "me".
    expect(await api.me()).toMatchObject({ ok: true, body: { username: "slashbuild" } });
  });
});

describe("fake Mattermost: direct channels", () => {
  it("answers 201 with the same channel for the same pair, 400 for a bad body or an unknown user, 403 when the bot is not one of the two", async () => {
    mattermost = await FakeMattermost.start();
    const rest = new FakeRestApi(mattermost, { token: TOKEN });
    rest.addUser(bob);
    const post = (body: unknown) =>
      fetch(`${mattermost?.url}/api/v4/channels/direct`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const first = await post([rest.botUserId, bob.id]);
    expect(first.status).toBe(201);
    const channel = (await first.json()) as { id: string; name: string; type: string; team_id: string };
    expect(channel).toMatchObject({
      type: "D",
      team_id: "",
      name: [rest.botUserId, bob.id].sort().join("__"),
    });
    const again = await post([bob.id, rest.botUserId]);
    expect(again.status).toBe(201);
    expect(((await again.json()) as { id: string }).id).toBe(channel.id);
    expect(rest.directChannelWith(bob.id)).toBe(channel.id);

    expect((await post([rest.botUserId])).status).toBe(400);
    expect((await post({ user_ids: [rest.botUserId, bob.id] })).status).toBe(400);
    const unknown = await post([rest.botUserId, "nobodynobodynobodynobodyno"]);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      id: "api.channel.create_direct_channel.invalid_user.app_error",
    });
    rest.addUser({ id: "carolcarolcarolcarolcarolc", name: "carol" });
    expect((await post([bob.id, "carolcarolcarolcarolcarolc"])).status).toBe(403);
    // A direct channel is in no team: a team's channel names do not find it.
    const byName = await fetch(`${mattermost.url}/api/v4/teams/name/acme/channels/name/${channel.name}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(byName.status).toBe(404);
  });
});
