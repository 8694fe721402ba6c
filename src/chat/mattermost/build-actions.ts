import type { PostAction } from "@mattermost/types/integration_actions";
import { type Build, isFinal } from "../../core/build.js";
import { type ActionContext, type ActionName, signAction } from "./action-signature.js";

/**
 * The buttons on a build's post: Stop while it is queued or running; Rebuild and Full log once it
 * has finished. @mattermost/types' PostAction lacks `integration` (clients never see it: the server
 * strips it from every post it returns, CONTRACT §6), so it is added here, and every update of a
 * post sends the buttons again in full.
 */

export interface IntegrationAction extends PostAction {
  integration: { url: string; context: ActionContext };
}

export interface ActionOptions {
  /** Where Mattermost POSTs clicks: `<public_url>/mattermost/action`. */
  readonly url: string;
  /** HMAC key that signs each button's context. */
  readonly secret: string;
  /**
   * Whether a click on Stop / Rebuild can work in the channel the post goes to (its channel checks
   * are those of the typed command, run in the channel where the button is clicked); absent = yes.
   * A button that could only answer "can be built only in ~x" is not shown.
   */
  readonly usable?: { readonly stop: boolean; readonly rebuild: boolean };
  /** How long a signed context stays valid (mattermost.button_lifetime). */
  readonly lifetimeMs: number;
  /** The time a context is signed at, in ms: the formatting runs when the post is queued. */
  readonly clock: () => number;
}

const BUTTONS: Readonly<Record<ActionName, { id: string; name: string; style: string }>> = {
  // Action ids must be [A-Za-z0-9]+ (they become part of the click route).
  stop: { id: "stop", name: "Stop", style: "danger" },
  rebuild: { id: "rebuild", name: "Rebuild", style: "primary" },
  log: { id: "fulllog", name: "Full log", style: "default" },
};

export function buildActions(build: Build, options: ActionOptions): IntegrationAction[] {
  const names: ActionName[] = isFinal(build.status) ? ["rebuild", "log"] : ["stop"];
  const usable = options.usable ?? { stop: true, rebuild: true };
  return names
    .filter((name) => name === "log" || usable[name])
    .map((name) => {
      const button = BUTTONS[name];
      return {
        id: button.id,
        type: "button",
        name: button.name,
        style: button.style,
        integration: {
          url: options.url,
          context: signAction(options.secret, name, build.id, {
            now: options.clock(),
            lifetimeMs: options.lifetimeMs,
          }),
        },
      };
    });
}
