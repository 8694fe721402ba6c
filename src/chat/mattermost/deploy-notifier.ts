import type { Build } from "../../core/build.js";
import type { DeployNotifier } from "../../core/deploys/ports.js";
import { maskDeep } from "../../core/known-secrets.js";
import type { OutboxDraft, OutboxSink } from "../../notify/ports.js";
import type { DeployPosts } from "./deploy-replies.js";

/**
 * Mattermost's DeployNotifier: each moment's posts (DeployPosts for the chat mode) stored in the
 * chat sink's outbox, masked with every secret slashbuild knows, inside the caller's transaction.
 * A deploy's posts carry its build's id, so they go out in order with the build's own and thread
 * under its root post in bot mode.
 */
export function createDeployNotifier(
  outbox: OutboxSink,
  posts: DeployPosts,
  secrets: readonly string[],
): DeployNotifier {
  const store = (build: Pick<Build, "id"> | null, drafts: readonly OutboxDraft[]) => {
    for (const draft of drafts) {
      outbox.enqueue({ ...draft, payload: maskDeep(draft.payload, secrets), buildId: build?.id ?? null });
    }
  };
  return {
    requested: (deploy, build) => store(build, posts.requested(deploy, build)),
    decided: (deploy, build, decision) => store(build, posts.decided(deploy, build, decision)),
    ended: (deploy, build, by) => store(build, posts.ended(deploy, build, by)),
    environmentChanged: (event, channel) => store(null, posts.environmentChanged(event, channel)),
    autoSkipped: (build, environment, why) => store(build, posts.autoSkipped(build, environment, why)),
  };
}
