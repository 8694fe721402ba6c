import { defineChatPlatforms } from "./chat-platform.js";
import { consolePlatform } from "./console/console-platform.js";
import { mattermostPlatform } from "./mattermost/mattermost-platform.js";

/**
 * The chat platforms slashbuild serves: one entry each, keyed by the platform's name
 * (docs/architecture.md, "Add a chat platform"). createApp takes this list unless its deps give
 * another (a test adds a platform to it: test/integration/chat/add-a-platform.test.ts).
 */
export const CHAT_PLATFORMS = defineChatPlatforms({
  mattermost: mattermostPlatform,
  console: consolePlatform,
});
