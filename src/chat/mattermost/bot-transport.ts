import type { ChatTransport, SendOutcome } from "../../notify/ports.js";
import type { RootPostStore } from "../root-post-store.js";
import { type BotPayload, type ChannelRef, isBotPayload } from "./bot-payload.js";
import type { MattermostApi } from "./mattermost-api.js";

/**
 * Delivers bot-mode outbox payloads through the REST API: the first update of a build creates its
 * root post (and its id is stored at once), later updates patch that post, replies thread under
 * it. Patches carry the whole post, so one delivered twice or late is harmless; the outbox keeps
 * a build's messages in order, so a reply never arrives before its root. A digest is a plain
 * channel post.
 */

export interface BotTransportOptions {
  readonly api: MattermostApi;
  readonly posts: RootPostStore;
  /** Team whose channel names notify_channel and notify_branches use; null = only ids work. */
  readonly team: string | null;
}

export function createBotTransport(options: BotTransportOptions): ChatTransport {
  const { api, posts } = options;
  // Channel ids never change for a name within a team; a rename just means a 404 and a fix in config.
  const channelIds = new Map<string, string>();

  async function channelId(ref: ChannelRef): Promise<{ id: string } | SendOutcome> {
    if ("id" in ref) return { id: ref.id };
    const known = channelIds.get(ref.name);
    if (known) return { id: known };
    if (!options.team) {
      return {
        kind: "permanent",
        error: `channel ${ref.name} is named in the config, but mattermost.team is not set to resolve it`,
      };
    }
    const found = await api.channelByName(options.team, ref.name.replace(/^~/, ""));
    if (!found.ok) return found.outcome;
    channelIds.set(ref.name, found.body.id);
    return { id: found.body.id };
  }

  async function upsertRoot(payload: Extract<BotPayload, { op: "upsert_root" }>): Promise<SendOutcome> {
    const root = posts.get(payload.buildId);
    if (root) {
      const patched = await api.patchPost(root.postId, { message: payload.message, props: payload.props });
      if (patched.ok) return { kind: "delivered" };
      // Someone deleted the post: start a new one rather than failing every later update.
      if (patched.status !== 404) return patched.outcome;
      posts.delete(payload.buildId);
    }
    const channel = await channelId(payload.channel);
    if (!("id" in channel)) return channel;
    const created = await api.createPost({
      channel_id: channel.id,
      message: payload.message,
      props: payload.props,
    });
    if (!created.ok) return created.outcome;
    posts.set({
      buildId: payload.buildId,
      postId: created.body.id,
      channelId: created.body.channel_id || channel.id,
    });
    return { kind: "delivered" };
  }

  async function reply(payload: Extract<BotPayload, { op: "reply" }>): Promise<SendOutcome> {
    const root = posts.get(payload.buildId);
    // Without a root (its creation was refused for good) the reply still goes out, as a plain post.
    const channel = root ? { id: root.channelId } : await channelId(payload.channel);
    if (!("id" in channel)) return channel;
    const created = await api.createPost({
      channel_id: channel.id,
      message: payload.message,
      root_id: root?.postId ?? "",
    });
    return created.ok ? { kind: "delivered" } : created.outcome;
  }

  async function post(payload: Extract<BotPayload, { op: "post" }>): Promise<SendOutcome> {
    const channel = await channelId(payload.channel);
    if (!("id" in channel)) return channel;
    const created = await api.createPost({ channel_id: channel.id, message: payload.message });
    return created.ok ? { kind: "delivered" } : created.outcome;
  }

  return {
    async send(payload: unknown): Promise<SendOutcome> {
      if (!isBotPayload(payload)) {
        return {
          kind: "permanent",
          error: "not a bot-mode message (written in webhook mode before a switch?)",
        };
      }
      if (payload.op === "upsert_root") return upsertRoot(payload);
      return payload.op === "reply" ? reply(payload) : post(payload);
    },
  };
}
