import type { Reply } from "../core/chat-command.js";

/**
 * The one place "Sorry, " is added: a refusal told in chat, on any chat platform. SlashbuildError
 * messages are plain sentences (the web and HTTP answers show them as they are, and the core
 * writes no "Sorry"); in chat they read as an apology.
 */

/** Names that stay capitalised after "Sorry, " (not sentence starts) whatever the setup. */
const OWN_NAMES = ["Buildbot", "Git", "I"];

/**
 * `names`: further names that keep their capital, the Git hosts' and the chat platforms' (each
 * ForgeHost's and ChatPlatform's displayNames, given by the app), so chat needs no edit when a
 * host or a platform is added.
 */
export function apologize(message: string, names: readonly string[]): string {
  if (/^Sorry\b/.test(message)) return message;
  const proper = [...OWN_NAMES, ...names].some(
    (name) => message.startsWith(name) && !/[\p{L}\p{N}]/u.test(message.charAt(name.length)),
  );
  const lowered = /^[A-Z][a-z]/.test(message) && !proper;
  return `Sorry, ${lowered ? message.charAt(0).toLowerCase() + message.slice(1) : message}`;
}

/** The text chat shows for a reply from the core. */
export function replyText(reply: Reply, names: readonly string[]): string {
  return reply.refusal ? apologize(reply.text, names) : reply.text;
}
