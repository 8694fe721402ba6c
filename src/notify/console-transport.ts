import type { Writable } from "node:stream";
import type { ChatTransport, SendOutcome } from "./ports.js";

/**
 * Stands in for Mattermost when no webhook is configured (the quick start): status posts are
 * printed where the operator is looking. Always succeeds, so the outbox drains.
 */
export function createConsoleTransport(out: Writable & { readonly isTTY?: boolean }): ChatTransport {
  // On a terminal, what Mattermost would render (links, bold, code) is shown as plain text; piped,
  // the post's own Markdown, as Mattermost gets it.
  const render = out.isTTY
    ? (payload: unknown) => plainMarkdown(renderForConsole(payload))
    : renderForConsole;
  return {
    async send(payload: unknown): Promise<SendOutcome> {
      out.write(`${render(payload)}\n`);
      return { kind: "delivered" };
    },
  };
}

/** `[#1](http://x/builds/1) of **app** at \`abc\`` → `#1 (http://x/builds/1) of app at abc`. */
export function plainMarkdown(text: string): string {
  return text
    .replace(/\[([^\]\n]*)\]\(([^)\s]*)\)/g, "$1 ($2)")
    .replace(/\*\*([^*\n]+)\*\*/g, "$1")
    .replace(/(^|[^`])`([^`\n]+)`(?!`)/g, "$1$2");
}

interface ConsoleShape {
  text?: unknown;
  channel?: unknown;
  attachments?: unknown;
}

interface AttachmentShape {
  title?: unknown;
  text?: unknown;
  fields?: unknown;
}

/** One readable block: channel, text, then each attachment's title, text and fields. */
export function renderForConsole(payload: unknown): string {
  if (typeof payload !== "object" || payload === null) return `[chat] ${String(payload)}`;
  const message = payload as ConsoleShape;
  const lines: string[] = [];
  const channel = typeof message.channel === "string" ? ` ${message.channel}` : "";
  lines.push(`[chat${channel}] ${typeof message.text === "string" ? message.text : ""}`.trimEnd());
  const attachments = Array.isArray(message.attachments) ? (message.attachments as AttachmentShape[]) : [];
  for (const attachment of attachments) {
    if (typeof attachment.title === "string") lines.push(`  ${attachment.title}`);
    if (typeof attachment.text === "string" && attachment.text) lines.push(`  ${attachment.text}`);
    const fields = Array.isArray(attachment.fields)
      ? (attachment.fields as { title?: unknown; value?: unknown }[])
      : [];
    for (const field of fields) lines.push(`  ${String(field.title ?? "")}: ${String(field.value ?? "")}`);
  }
  return lines.join("\n");
}
