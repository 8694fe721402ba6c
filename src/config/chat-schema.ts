import { z } from "zod";
import { duration, httpUrl } from "./schema-types.js";

/**
 * The chat side of the file (schema.ts composes it): who may use /build where (`access:`), and
 * Mattermost's settings (`mattermost:`). docs/configuration.md describes the same keys.
 */

const stringList = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((v) => (Array.isArray(v) ? v : [v]));

export const mattermostSchema = z
  .object({
    token: stringList,
    webhook_url: httpUrl.optional(),
    username: z.string().min(1).default("slashbuild"),
    icon_url: httpUrl.optional(),
    /** Bot mode (REST API v4, one post per build patched in place) when both url and bot_token are set. */
    url: httpUrl.transform((u) => u.replace(/\/+$/, "")).optional(),
    bot_token: z.string().min(1).optional(),
    /** Team name used to resolve channel names (notify_channel, notify_branches) to ids in bot mode. */
    team: z.string().min(1).optional(),
    /** Key of the HMAC that signs button clicks; default: derived from the first slash token. */
    action_secret: z.string().min(16, "must be at least 16 characters").optional(),
    /** How long a button keeps working after the post carrying it was last written. */
    button_lifetime: duration.default(30 * 86_400_000),
  })
  .strict()
  .refine((m) => (m.url === undefined) === (m.bot_token === undefined), {
    message: "bot mode needs both url and bot_token (or neither, for webhook mode)",
  });

/**
 * Who may use /build where (issue 19): slashbuild's own rule, whatever chat platform carries the
 * command. Per repo, `channels`, `users` and `protected_branches` narrow it.
 */
export const accessSchema = z
  .object({
    /** Channels (name or id) where /build may be used; absent = every channel. */
    channels: z.array(z.string().min(1)).optional(),
    /** Users (name or id) who may build any branch of any repo and stop any build. */
    admins: z.array(z.string().min(1)).default([]),
  })
  .strict();
