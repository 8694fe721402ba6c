import pino, { type DestinationStream, type Logger } from "pino";
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
  destination: DestinationStream = pino.destination(2),
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
