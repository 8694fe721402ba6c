import { z } from "zod";
import type { ApiConfig } from "./config.js";

/** Token names appear in logs and as the requester of builds a token starts: a safe alphabet. */
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The HTTP API's tokens (issue 21): scripts send one as `Authorization: Bearer`. Each is read-only
 * unless `can` grants rebuild or stop; a token acts under its name, which permission rules
 * (access.admins, repo users, protected_branches) match like a user name.
 */
export const apiSchema = z
  .object({
    tokens: z
      .record(
        z.string().regex(TOKEN_NAME, "token names use letters, digits, '.', '_' and '-' (at most 64)"),
        z
          .object({
            token: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)"),
            can: z.array(z.enum(["rebuild", "stop"])).default([]),
          })
          .strict(),
      )
      .default({}),
  })
  .strict()
  .superRefine((api, ctx) => {
    // Two names for one secret: a request could not say which one it is.
    const seen = new Map<string, string>();
    for (const [name, { token }] of Object.entries(api.tokens)) {
      const other = seen.get(token);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["tokens", name, "token"],
          message: `is the same as tokens.${other}.token: give each token its own value`,
        });
      }
      seen.set(token, name);
    }
  });

export function toApiConfig(api: z.output<typeof apiSchema>): ApiConfig {
  return {
    tokens: Object.entries(api.tokens).map(([name, { token, can }]) => ({
      name,
      token,
      can: [...new Set(can)],
    })),
  };
}
