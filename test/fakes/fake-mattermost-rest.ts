import {
  appError,
  type FakeMattermost,
  type FakeRequest,
  type FakeResponse,
  MAX_POST_RUNES,
  newId,
} from "./fake-mattermost.js";

/**
 * REST API v4 and interactive buttons for the fake Mattermost (CONTRACT §6-7), installed as routes
 * on a FakeMattermost so its outages and rate limiter apply to them too: create post (201), patch
 * post (200; `props` replaces all props), channel by team and name, users/me, a user by id
 * (404 for an unknown id, `delete_at` set once deactivated), the direct channel of two users
 * (`POST /api/v4/channels/direct`: 201 with the existing or a new channel), Bearer or Token auth
 * with AppError 401s. `click()` does what the server does when someone presses a button: POST the
 * action request to the button's integration URL with no auth header, then apply `update`.
 */

export interface RestPost {
  readonly id: string;
  readonly channelId: string;
  readonly rootId: string;
  readonly userId: string;
  message: string;
  props: Record<string, unknown>;
  readonly createdAt: number;
  /** Every message this post has shown, oldest first (the create, then each patch or update). */
  readonly history: string[];
}

export interface ClickResult {
  /** What the API answers the clicking client: 200 OK, or 400 "Action integration error.". */
  readonly status: 200 | 400 | 404;
  readonly integrationStatus: number | null;
  readonly ephemeralText: string | null;
  readonly response: Record<string, unknown> | null;
}

export interface Clicker {
  readonly id: string;
  readonly name: string;
}

interface Channel {
  readonly id: string;
  readonly name: string;
  /** Members may post; the bot must be added like in real Mattermost. */
  readonly botIsMember: boolean;
  /** A direct channel: in no team, so no team's channel names find it. */
  readonly direct?: true;
}

export interface RestEvent {
  readonly op: "create" | "patch";
  readonly postId: string;
  readonly rootId: string;
  readonly message: string;
  readonly at: number;
}

export class FakeRestApi {
  readonly posts = new Map<string, RestPost>();
  /** Every successful create and patch, in the order the fake applied them. */
  readonly events: RestEvent[] = [];
  readonly botUserId = newId();
  readonly #token: string;
  readonly #team: { readonly id: string; readonly name: string };
  readonly #channels = new Map<string, Channel>();
  /** Direct channels by their name (the pair of user ids). */
  readonly #directChannels = new Map<string, Channel>();
  readonly #users = new Map<string, { id: string; username: string; deleteAt: number }>();
  readonly #clock: () => number;

  constructor(fake: FakeMattermost, options: { token: string; team?: string; clock?: () => number }) {
    this.#token = options.token;
    this.#team = { id: newId(), name: options.team ?? "acme" };
    this.#clock = options.clock ?? Date.now;
    fake.route("POST", /^\/api\/v4\/posts$/, (request) =>
      this.#authed(request, () => this.#createPost(request)),
    );
    fake.route("PUT", /^\/api\/v4\/posts\/([a-z0-9]+)\/patch$/, (request) =>
      this.#authed(request, () => this.#patchPost(request)),
    );
    fake.route("GET", /^\/api\/v4\/users\/me$/, (request) =>
      this.#authed(request, () => ({ status: 200, body: { id: this.botUserId, username: "slashbuild" } })),
    );
    fake.route("GET", /^\/api\/v4\/users\/([^/]+)$/, (request) =>
      this.#authed(request, () => this.#user(request.params[0] ?? "")),
    );
    fake.route("GET", /^\/api\/v4\/teams\/name\/([^/]+)\/channels\/name\/([^/]+)$/, (request) =>
      this.#authed(request, () => this.#channelByName(request)),
    );
    fake.route("POST", /^\/api\/v4\/channels\/direct$/, (request) =>
      this.#authed(request, () => this.#directChannel(request)),
    );
  }

  /** The id of the bot's direct channel with a user, once slashbuild has opened it. */
  directChannelWith(userId: string): string | undefined {
    return this.#directChannels.get(directName(this.botUserId, userId))?.id;
  }

  /** Adds a user (clicking a button adds its clicker too: only existing people can click). */
  addUser(user: Clicker): void {
    if (!this.#users.has(user.id))
      this.#users.set(user.id, { id: user.id, username: user.name, deleteAt: 0 });
  }

  /** Renames a user (Mattermost lets people change their username; the id stays). */
  renameUser(id: string, name: string): void {
    const user = this.#users.get(id);
    if (user) user.username = name;
  }

  /** Deactivates a user: the API still answers for them, with `delete_at` set. */
  deactivateUser(id: string): void {
    const user = this.#users.get(id);
    if (user) user.deleteAt = this.#clock();
  }

  /** Adds a channel (the bot a member unless told otherwise); returns its id. */
  addChannel(name: string, options: { botIsMember?: boolean; id?: string } = {}): string {
    const id = options.id ?? newId();
    this.#channels.set(id, { id, name, botIsMember: options.botIsMember ?? true });
    return id;
  }

  channelName(id: string): string | undefined {
    return this.#channels.get(id)?.name;
  }

  roots(channelId?: string): RestPost[] {
    return [...this.posts.values()].filter(
      (p) => p.rootId === "" && (!channelId || p.channelId === channelId),
    );
  }

  replies(rootId: string): RestPost[] {
    return [...this.posts.values()].filter((p) => p.rootId === rootId);
  }

  /** The buttons of a post as stored (with integration: only the API strips it). */
  actions(postId: string): { id: string; name: string; integration?: { url: string; context: unknown } }[] {
    const attachments = (this.posts.get(postId)?.props.attachments ?? []) as { actions?: unknown[] }[];
    return attachments.flatMap((a) => (a.actions ?? []) as never[]);
  }

  /**
   * A press of button `actionId` on `postId` by `clicker`, as the server performs it (CONTRACT §6).
   * `forge.context` replaces the button's context (undefined = none), as an attacker posting
   * directly to the integration URL could.
   */
  async click(
    postId: string,
    actionId: string,
    clicker: Clicker,
    forge?: { context: unknown },
  ): Promise<ClickResult> {
    const post = this.posts.get(postId);
    const action = this.actions(postId).find((a) => a.id === actionId);
    if (!post || !action?.integration)
      return { status: 404, integrationStatus: null, ephemeralText: null, response: null };
    this.addUser(clicker);
    const channel = this.#channels.get(post.channelId);
    const body = {
      user_id: clicker.id,
      user_name: clicker.name,
      channel_id: post.channelId,
      channel_name: channel?.name ?? "",
      team_id: this.#team.id,
      team_domain: this.#team.name,
      post_id: post.id,
      trigger_id: Buffer.from(`${newId()}:${clicker.id}:${this.#clock()}:c2lnbmF0dXJl`).toString("base64"),
      type: "button",
      data_source: "",
      ...((forge ? forge.context : action.integration.context) === undefined
        ? {}
        : { context: forge ? forge.context : action.integration.context }),
    };
    const response = await fetch(action.integration.url, {
      method: "POST",
      // No Authorization: the server sends none to an integration URL.
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "Mattermost-Bot/1.1",
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200)
      return { status: 400, integrationStatus: response.status, ephemeralText: null, response: null };
    let parsed: Record<string, unknown> = {};
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return { status: 400, integrationStatus: 200, ephemeralText: null, response: null };
      }
    }
    const update = parsed.update as { message?: unknown; props?: unknown } | undefined;
    if (update && typeof update === "object") {
      // `message` always replaces (absent clears it); props null keeps, an object replaces.
      post.message = typeof update.message === "string" ? update.message : "";
      if (update.props && typeof update.props === "object") post.props = { ...(update.props as object) };
      post.history.push(post.message);
    }
    const ephemeral = typeof parsed.ephemeral_text === "string" ? parsed.ephemeral_text : null;
    return { status: 200, integrationStatus: 200, ephemeralText: ephemeral, response: parsed };
  }

  #authed(request: FakeRequest, handler: () => FakeResponse): FakeResponse {
    const header = request.headers.authorization ?? "";
    const match = /^(bearer|token)\s+(\S+)$/i.exec(header);
    if (!match || match[2] !== this.#token) {
      return appError(
        401,
        "api.context.session_expired.app_error",
        "Invalid or expired session, please login again.",
      );
    }
    return handler();
  }

  #createPost(request: FakeRequest): FakeResponse {
    const body = parseJson(request);
    if (!body || typeof body.channel_id !== "string") {
      return appError(
        400,
        "api.context.invalid_body_param.app_error",
        "Invalid or missing post in request body.",
      );
    }
    const channel = this.#channels.get(body.channel_id);
    if (!channel?.botIsMember) {
      return appError(
        403,
        "api.context.permissions.app_error",
        "You do not have the appropriate permissions.",
      );
    }
    const message = typeof body.message === "string" ? body.message : "";
    if (Array.from(message).length > MAX_POST_RUNES) {
      return appError(
        400,
        "model.post.is_valid.message_length.app_error",
        "Invalid Message property for post.",
      );
    }
    const rootId = typeof body.root_id === "string" ? body.root_id : "";
    if (rootId !== "" && !this.posts.has(rootId)) {
      return appError(400, "api.post.create_post.root_id.app_error", "Invalid RootId parameter.");
    }
    const post: RestPost = {
      id: newId(),
      channelId: channel.id,
      rootId,
      userId: this.botUserId,
      message,
      props: { ...(isObject(body.props) ? body.props : {}), from_bot: "true" },
      createdAt: this.#clock(),
      history: [message],
    };
    this.posts.set(post.id, post);
    this.events.push({ op: "create", postId: post.id, rootId, message, at: this.#clock() });
    return { status: 201, body: toWire(post) };
  }

  #patchPost(request: FakeRequest): FakeResponse {
    const post = this.posts.get(request.params[0] ?? "");
    if (!post) return appError(404, "app.post.get.app_error", "Unable to get the post.");
    if (post.userId !== this.botUserId) {
      return appError(
        403,
        "api.context.permissions.app_error",
        "You do not have the appropriate permissions.",
      );
    }
    const body = parseJson(request);
    if (!body)
      return appError(
        400,
        "api.context.invalid_body_param.app_error",
        "Invalid or missing patch in request body.",
      );
    if (typeof body.message === "string") post.message = body.message;
    // PostPatch.props replaces ALL props (CONTRACT §7).
    if (isObject(body.props)) post.props = { ...body.props };
    post.history.push(post.message);
    this.events.push({
      op: "patch",
      postId: post.id,
      rootId: post.rootId,
      message: post.message,
      at: this.#clock(),
    });
    return { status: 200, body: toWire(post) };
  }

  /** `GET /api/v4/users/{user_id}`: a UserProfile (sanitised: no email or auth data for a bot). */
  #user(id: string): FakeResponse {
    if (!/^[a-z0-9]{26}$/.test(id)) {
      return appError(
        400,
        "api.context.invalid_url_param.app_error",
        "Invalid or missing user_id parameter in request URL.",
      );
    }
    const user = this.#users.get(id);
    if (!user) return appError(404, "app.user.missing_account.const", "Unable to find the user.");
    return {
      status: 200,
      body: {
        id: user.id,
        username: user.username,
        create_at: 0,
        update_at: 0,
        delete_at: user.deleteAt,
        roles: "system_user",
        locale: "en",
        first_name: "",
        last_name: "",
        nickname: "",
      },
    };
  }

  /**
   * `POST /api/v4/channels/direct` with `[user_id, user_id]` (api4/channel.go createDirectChannel):
   * exactly two valid ids, one of them the session's own (else 403 for a non-admin), both existing
   * users; answers 201 with the channel, the same one for the same pair (type "D", named by the
   * two ids sorted, no team). The caller is a member, so the bot can post in it.
   */
  #directChannel(request: FakeRequest): FakeResponse {
    let ids: unknown;
    try {
      ids = JSON.parse(request.body?.toString("utf8") ?? "");
    } catch {
      ids = null;
    }
    if (
      !Array.isArray(ids) ||
      ids.length !== 2 ||
      !ids.every((id) => typeof id === "string" && ID.test(id))
    ) {
      return appError(
        400,
        "api.context.invalid_body_param.app_error",
        "Invalid or missing user_ids in request body.",
      );
    }
    const [first, second] = ids as [string, string];
    if (first !== this.botUserId && second !== this.botUserId) {
      return appError(
        403,
        "api.context.permissions.app_error",
        "You do not have the appropriate permissions.",
      );
    }
    const known = (id: string) => id === this.botUserId || this.#users.has(id);
    if (!known(first) || !known(second)) {
      return appError(
        400,
        "api.channel.create_direct_channel.invalid_user.app_error",
        "Invalid user ID for direct channel creation.",
      );
    }
    const name = directName(first, second);
    const channel = this.#directChannels.get(name) ?? { id: newId(), name, botIsMember: true, direct: true };
    this.#directChannels.set(name, channel);
    this.#channels.set(channel.id, channel);
    return { status: 201, body: { id: channel.id, name, team_id: "", type: "D", display_name: "" } };
  }

  #channelByName(request: FakeRequest): FakeResponse {
    const [team, name] = request.params.map((p) => decodeURIComponent(p));
    const channel = [...this.#channels.values()].find((c) => c.name === name && !c.direct);
    if (team !== this.#team.name || !channel) {
      return appError(404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.");
    }
    return { status: 200, body: { id: channel.id, name: channel.name, team_id: this.#team.id, type: "O" } };
  }
}

const ID = /^[a-z0-9]{26}$/;

/** A direct channel's name: the two user ids, sorted, joined by "__". */
function directName(a: string, b: string): string {
  return [a, b].sort().join("__");
}

/** A post as the API returns it: `integration` stripped from every action (CONTRACT §6). */
function toWire(post: RestPost): Record<string, unknown> {
  const attachments = Array.isArray(post.props.attachments)
    ? (post.props.attachments as Record<string, unknown>[])
    : null;
  const props = attachments
    ? {
        ...post.props,
        attachments: attachments.map((a) => ({
          ...a,
          ...(Array.isArray(a.actions)
            ? { actions: (a.actions as Record<string, unknown>[]).map(({ integration: _, ...rest }) => rest) }
            : {}),
        })),
      }
    : post.props;
  return {
    id: post.id,
    channel_id: post.channelId,
    root_id: post.rootId,
    user_id: post.userId,
    message: post.message,
    props,
    create_at: post.createdAt,
    type: attachments ? "slack_attachment" : "",
  };
}

function parseJson(request: FakeRequest): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(request.body?.toString("utf8") ?? "");
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
