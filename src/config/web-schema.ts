import { z } from "zod";
import { duration, httpUrl } from "./schema-types.js";

/** Web UI sign-in (issue 4). Without users the web UI is read-only. */
export const webSchema = z
  .object({
    users: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "web user names use letters, digits, '.', '_' and '-'"),
        z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=_-]+\$[A-Za-z0-9+/=_-]+$/, {
          error: "must be a hash made by `slashbuild hash-password`, never a plain password",
        }),
      )
      .default({}),
    session_secret: z
      .string()
      .min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)")
      .optional(),
    session_ttl: duration.default(12 * 3_600_000),
    secure_cookies: z.boolean().optional(),
    /** Who may read build pages, logs and /api: signed-in users only (default), or anyone. */
    read: z.enum(["public", "signed_in"]).default("signed_in"),
    /** Sign in with Mattermost (an OAuth 2.0 application registered in Mattermost). */
    mattermost_sign_in: z
      .object({
        /** The Mattermost server's SiteURL; default mattermost.url. */
        url: httpUrl.transform((u) => u.replace(/\/+$/, "")).optional(),
        client_id: z.string().min(1),
        client_secret: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
