import type { Writable } from "node:stream";
import type { SendOutcome, Transport } from "../../notify/ports.js";

/**
 * Prints status posts where the operator is looking (the quick start, with no chat configured).
 * Always succeeds, so the outbox drains.
 */
export function createConsoleTransport(out: Writable): Transport {
  return {
    async send(payload: unknown): Promise<SendOutcome> {
      out.write(`${renderForConsole(payload)}\n`);
      return { kind: "delivered" };
    },
  };
}

/**
 * One readable block: `[chat <channel>] <text>`, then each detail line indented. Whatever a build's
 * text holds (a branch name, a reason, a log line) is made inert for a terminal: control characters
 * (escape sequences included) and bidi overrides are dropped, and a line break starts an indented
 * line, so nothing printed can pass for a post of its own.
 */
export function renderForConsole(payload: unknown): string {
  if (typeof payload !== "object" || payload === null) return `[chat] ${inert(String(payload))}`;
  const post = payload as { channel?: unknown; text?: unknown; details?: unknown };
  const channel = typeof post.channel === "string" ? ` ${inert(post.channel)}` : "";
  const text = typeof post.text === "string" ? inert(post.text).replace(/\n/g, " ") : "";
  const details = Array.isArray(post.details) ? post.details.map(String) : [];
  const lines = details.flatMap((detail) => inert(detail).split("\n")).map((line) => `  ${line}`);
  return [`[chat${channel}] ${text}`.trimEnd(), ...lines].join("\n");
}

/**
 * `text` without control characters (escape sequences included; a line break aside) and bidi
 * overrides: what any printing to a terminal does with text it did not write (the service log's
 * terminal lines too, create-logger.ts).
 */
export function inert(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, " ")
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
  );
}
