import { type Build, isDeployBuild } from "../build.js";
import { SlashbuildError } from "../errors.js";
import type { StatusNotifier } from "../ports.js";
import type { DeployState } from "./deploy.js";
import type { Environment } from "./deploy-admission.js";
import { type DeployContext, gate } from "./deploy-context.js";
import { onBranches } from "./resolve-deploy-target.js";

const NEVER_RAN: ReadonlySet<DeployState> = new Set(["superseded", "rejected", "expired"]);

/**
 * What deploys do when builds change, as a StatusNotifier wired beside the chat's (fanOutNotifier):
 * it is called inside the transaction of the build's change, so what follows commits with it. A
 * finished deploy lets its environment's next one start; a green build of an `auto: true`
 * environment's branch asks for a deploy (approvals, locks and freezes apply; a refusal is said in
 * the channel); a push supersedes the waiting auto deploy of an older commit of its branch, as it
 * supersedes that branch's queued build. It never throws into the build's transaction.
 */
export function deployObserver(context: DeployContext): StatusNotifier {
  const guard = (build: Build, work: () => void) => {
    try {
      work();
    } catch (error) {
      context.onError(error, build);
    }
  };
  return {
    buildQueued: (build) => guard(build, () => pushed(context, build)),
    buildStarted: (build) => guard(build, () => started(context, build)),
    buildFinished: (build) => guard(build, () => finished(context, build)),
  };
}

function pushed(context: DeployContext, build: Build): void {
  if (isDeployBuild(build) || build.trigger?.kind !== "push") return;
  for (const place of autoEnvironments(context, build)) {
    const waiting = context.store.newest(place.repo.name, place.environment.name, [
      "awaiting_approval",
      "queued",
    ]);
    if (waiting?.kind !== "auto" || waiting.sourceBuildId === build.id) continue;
    context.atomically(() => {
      const ended = context.queue.end(
        waiting,
        "superseded",
        `superseded by build #${build.id} of a newer push`,
      );
      context.queue.notifyEnded(ended, null);
    });
  }
}

function started(context: DeployContext, build: Build): void {
  if (!isDeployBuild(build) || !build.sha) return;
  const deploy = context.store.get(build.id);
  // A forced deploy of an abbreviated commit: the record names the commit the runner resolved.
  if (deploy && deploy.revision !== build.sha) context.store.update(build.id, { revision: build.sha });
}

function finished(context: DeployContext, build: Build): void {
  if (isDeployBuild(build)) {
    const deploy = context.store.get(build.id);
    // One ended while it waited (superseded, rejected, expired) never held its environment (only
    // a deploying one does), so its end frees nothing to start.
    if (deploy && !NEVER_RAN.has(deploy.state)) context.queue.advance(deploy.repo, deploy.environment);
    return;
  }
  if (build.status !== "succeeded" || !build.sha || build.trigger?.kind === "pull_request") return;
  const user = { id: build.requesterId, name: build.requester };
  for (const place of autoEnvironments(context, build)) {
    // The same commit built green again (a rebuild) is no news where it is deployed or deploying.
    const there = context.store.newest(place.repo.name, place.environment.name, ["succeeded", "deploying"]);
    if (there?.revision === build.sha) continue;
    try {
      context.queue.admit(place, {
        kind: "auto",
        revision: build.sha,
        branch: build.branch,
        sourceBuildId: build.id,
        overrides: gate(context, place, user, false),
        user,
        channel: { id: build.channelId, name: build.channelName },
      });
    } catch (error) {
      if (!(error instanceof SlashbuildError)) throw error;
      context.notifier.autoSkipped(build, place.environment.name, error.message);
    }
  }
}

function autoEnvironments(context: DeployContext, build: Build): Environment[] {
  const { repos } = context.config;
  const repo = Object.hasOwn(repos, build.repo) ? repos[build.repo] : undefined;
  const deploy = repo?.deploy;
  if (!repo || !deploy) return [];
  return Object.values(deploy.environments)
    .filter((environment) => environment.auto && onBranches(environment, build.branch))
    .map((environment) => ({ repo, deploy, environment }));
}
