import type { Reply } from "../../core/chat-command.js";

/**
 * The one place "Sorry, " is added: a refusal told in chat. SlashbuildError messages are plain
 * sentences (the web and HTTP answers show them as they are); in chat they read as an apology.
 */

/** First words that stay capitalised after "Sorry, " (names, not sentence starts). */
const PROPER = /^(?:Buildbot|Mattermost|Git|GitHub|GitLab|Gitea|Forgejo|I)\b/;

export function apologize(message: string): string {
  if (/^Sorry\b/.test(message)) return message;
  const lowered = /^[A-Z][a-z]/.test(message) && !PROPER.test(message);
  return `Sorry, ${lowered ? message.charAt(0).toLowerCase() + message.slice(1) : message}`;
}

/** The text chat shows for a reply from the core. */
export function replyText(reply: Reply): string {
  return reply.refusal ? apologize(reply.text) : reply.text;
}
