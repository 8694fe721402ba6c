import type { MessageAttachment } from "@mattermost/types/message_attachments";

/** What the fake Mattermost keeps: posts, and the hooks that may create them. */

export interface StoredPost {
  readonly id: string;
  /** Channel as addressed: the hook's channel, or the override (`name` or `@user`). */
  readonly channel: string;
  readonly message: string;
  readonly attachments: readonly MessageAttachment[];
  readonly props: Readonly<Record<string, unknown>>;
  readonly via: "incoming_webhook" | "command_webhook";
  /** Only command_webhook posts can be ephemeral (the default there). */
  readonly ephemeral: boolean;
  readonly hookId: string;
  readonly at: number;
}

export interface IncomingHook {
  readonly id: string;
  readonly channel: string;
  readonly displayName: string;
}

export interface CommandHook {
  readonly id: string;
  readonly channel: string;
  readonly createdAt: number;
  uses: number;
}
