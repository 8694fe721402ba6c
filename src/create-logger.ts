import pino, { type DestinationStream, type Logger } from "pino";
import { inert } from "./chat/console/console-transport.js";
import { safeRequestSerializer } from "./chat/mattermost/safe-request-serializer.js";
import { maskText } from "./core/mask-secrets.js";

/**
 * The service log. Tokens travel in the slash command's form, its query string (GET) and the
 * Authorization header, so those paths are redacted; and every line is masked against every secret
 * slashbuild knows before it is written (issue 8): an error that quotes one (a git URL with
 * credentials, a token echoed by a peer, a build's output in a message) never reaches the log.
 */
export function createLogger(
  level: string,
  secrets: readonly string[],
  // The service log goes to stderr: stdout carries console-mode status posts for people to read.
  destination: DestinationStream = logDestination(process.stderr),
): Logger {
  return pino(
    {
      level,
      redact: { paths: ["req.headers.authorization", "token", "*.token"], censor: "****" },
      serializers: { req: safeRequestSerializer as never },
      hooks: { streamWrite: (line: string) => maskText(line, secrets) },
    },
    destination,
  );
}

/**
 * JSON lines for log collectors (journald, a file, a pipe); on a terminal (the demo, `npm start`)
 * one plain line per entry instead, as people read it between the console's status posts.
 */
export function logDestination(
  stream: { readonly isTTY?: boolean; write(text: string): unknown },
  fd = 2,
): DestinationStream {
  if (!stream.isTTY) return pino.destination(fd);
  return { write: (line: string) => stream.write(formatLogLine(line)) };
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every line has, shown in their own way or not at all on a terminal. */
const OMITTED = new Set(["level", "time", "msg", "pid", "hostname"]);

/** `{"level":40,"time":…,"msg":"m","repo":"app"}` → `09:30:01 WARN  m  repo=app` (an error: its message). */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === "number" ? new Date(entry.time).toTimeString().slice(0, 8) : "";
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${describe(value)}`);
  const text = `${time} ${level} ${String(entry.msg ?? "")}${fields.length > 0 ? `  ${fields.join(" ")}` : ""}`;
  // Printed between the console's posts: nothing a message carries may act on the terminal or
  // start a line of its own that could pass for a post (as the console's own, console-transport.ts).
  return `${inert(text).replace(/\n/g, " ")}\n`;
}

function describe(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  const message = (value as { message?: unknown } | null)?.message;
  if (typeof message === "string") return JSON.stringify(message);
  return JSON.stringify(value);
}
