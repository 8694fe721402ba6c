import type { ChatPlatform } from "../chat-platform.js";
import { consoleFormatter } from "./console-formatter.js";
import { createConsoleTransport } from "./console-transport.js";

/**
 * The console: build news printed on slashbuild's stdout, for the quick start and the demo. It
 * stands in when no other platform announces (a `mattermost:` section without a webhook or a bot),
 * and nobody types into it: the demo's commands arrive as Mattermost's (`slashbuild try`).
 */
export const consolePlatform: ChatPlatform<"console"> = {
  name: "console",
  displayNames: ["the console"],
  standIn: true,
  secrets: () => [],
  open: (config, deps) => ({
    receivers: null,
    announcements: {
      mode: "console",
      sink: "chat",
      transport: createConsoleTransport(deps.out),
      formatter: consoleFormatter(config),
      paced: false,
    },
    probe: null,
    start() {},
  }),
};
