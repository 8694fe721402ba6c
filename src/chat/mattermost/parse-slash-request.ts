import type { ChatCommand } from "../../core/chat-command.js";
import { SlashbuildError } from "../../core/errors.js";

/**
 * The form Mattermost sends for a custom slash command (CONTRACT §1): the POST body
 * (x-www-form-urlencoded) or the GET query string. @mattermost/types has no type for it
 * (its CommandArgs is the client's /commands/execute body), hence this local one.
 */
export interface SlashCommandForm {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  /** "/" + trigger, lower-cased. */
  command: string;
  /** Everything after the trigger and its first whitespace; "" without arguments. */
  text: string;
  trigger_id: string;
  root_id: string;
  response_url: string;
  /** Repeated keys, parallel lists; only present when the text mentions someone. */
  user_mentions?: string[];
  user_mentions_ids?: string[];
  channel_mentions?: string[];
  channel_mentions_ids?: string[];
}

/** A parsed body or query: repeated keys arrive as arrays. */
export type FormRecord = Readonly<Record<string, string | readonly string[] | undefined>>;
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface SlashRequest {
  /** The token as sent (form field, else `Authorization: Token`); null when there is none. */
  readonly token: string | null;
  readonly command: ChatCommand;
  readonly responseUrl: string | null;
}

/**
 * Pure translation from Mattermost's field names to a ChatCommand. The text is passed on
 * verbatim: judging it is the core's job. Throws REQUEST_INVALID when the identity fields the
 * core relies on are missing (not a request Mattermost would send).
 */
export function parseSlashRequest(form: FormRecord, headers: HeaderRecord): SlashRequest {
  const missing = ["user_id", "user_name", "channel_id", "channel_name"].filter((key) => !first(form[key]));
  if (missing.length > 0) {
    throw new SlashbuildError(
      "REQUEST_INVALID",
      `This does not look like a Mattermost slash command: ${missing.join(", ")} missing. Point a Mattermost custom slash command at this URL.`,
    );
  }
  return {
    token: extractToken(form, headers),
    command: {
      text: first(form.text) ?? "",
      user: { id: first(form.user_id) as string, name: first(form.user_name) as string },
      channel: { id: first(form.channel_id) as string, name: first(form.channel_name) as string },
    },
    responseUrl: first(form.response_url) || null,
  };
}

/**
 * The slash command's token: the form field, else `Authorization: Token <t>`. The form field
 * wins because Mattermost replaces the header when an outgoing OAuth connection matches the URL.
 */
export function extractToken(form: FormRecord, headers: HeaderRecord): string | null {
  const field = first(form.token);
  if (field) return field;
  const header = first(headers.authorization);
  const match = header ? /^Token\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * The first value of a possibly repeated key, and only if it is a string: a body that is not a
 * form (JSON, say) can hold anything, and nothing else may reach the token hash or the core.
 */
export function first(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const head: unknown = Array.isArray(value) ? value[0] : undefined;
  return typeof head === "string" ? head : undefined;
}
