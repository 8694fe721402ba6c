import type { MessageAttachment } from "@mattermost/types/message_attachments";

/**
 * Body of `POST /hooks/<id>` (CONTRACT §4). @mattermost/types only has the hook's configuration
 * (`IncomingWebhook`), not this payload, so it is declared here.
 */
export interface IncomingWebhookRequest {
  /** Required unless attachments are present. Markdown; longer than 16383 runes gets split. */
  text?: string;
  /** `name`, `#name` or `@username`; absent = the hook's own channel. */
  channel?: string;
  /** Honoured only when the server enables username/icon overrides. */
  username?: string;
  icon_url?: string;
  icon_emoji?: string;
  attachments?: MessageAttachment[];
  props?: Record<string, unknown>;
  type?: string;
  priority?: {
    priority: "urgent" | "important" | "";
    requested_ack?: boolean;
    persistent_notifications?: boolean;
  };
}
