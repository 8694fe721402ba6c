import type { SendOutcome, Transport } from "../../notify/ports.js";
import { isDirectPayload } from "./direct-message-formatter.js";
import type { MattermostApi } from "./mattermost-api.js";

/**
 * Sends bot mode's direct messages: the bot's own id (asked once), the direct channel of the bot
 * and the person (`POST /api/v4/channels/direct`, which answers the existing one when there is
 * one), then a post in it. Both ids are kept, since neither changes. Never throws.
 */
export function createDirectMessageTransport(api: MattermostApi): Transport {
  let botId: string | null = null;
  const channels = new Map<string, string>();

  async function channelWith(userId: string): Promise<{ id: string } | SendOutcome> {
    const known = channels.get(userId);
    if (known) return { id: known };
    if (botId === null) {
      const me = await api.me();
      if (!me.ok) return me.outcome;
      botId = me.body.id;
    }
    const channel = await api.directChannel([botId, userId]);
    if (!channel.ok) return channel.outcome;
    channels.set(userId, channel.body.id);
    return { id: channel.body.id };
  }

  return {
    async send(payload: unknown): Promise<SendOutcome> {
      if (!isDirectPayload(payload)) return { kind: "permanent", error: "not a direct message" };
      const channel = await channelWith(payload.userId);
      if (!("id" in channel)) return channel;
      const created = await api.createPost({ channel_id: channel.id, message: payload.message });
      return created.ok ? { kind: "delivered" } : created.outcome;
    },
  };
}
