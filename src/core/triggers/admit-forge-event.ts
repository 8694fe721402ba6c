import type { RepoConfig } from "../../config/config.js";
import { branchMatches } from "../authorize.js";
import type { Build } from "../build.js";
import type { BuildRequest } from "../build-admission.js";
import type { BuildService } from "../build-service.js";
import { type BuildTrigger, type ForgeEvent, skipsCi, triggerRequester } from "./trigger.js";

/**
 * Decides what a decoded webhook builds for one configured repo: whether the repo's `on:` asks
 * for it, whether the head commit says [skip ci], and which still-queued build it replaces.
 * Transport-free: the forge receivers call it after authentication and decoding.
 */

export type Admission =
  | { readonly outcome: "built"; readonly build: Build; readonly superseded: readonly number[] }
  | { readonly outcome: "ignored"; readonly why: string };

type Buildable = Extract<ForgeEvent, { kind: "push" | "pull_request" }>;

/** Pull request heads are fetched as refs/pull/<n>/head; the build's branch names that ref. */
function pullBranch(number: number): string {
  return `pull/${number}`;
}

export async function admitForgeEvent(
  service: Pick<BuildService, "requestBuild" | "supersede" | "listBuilds">,
  repo: RepoConfig,
  event: Buildable,
): Promise<Admission> {
  const on = repo.on;
  let branch: string;
  if (event.kind === "push") {
    const globs = event.tag ? (on?.tags ?? []) : (on?.push ?? []);
    if (!globs.some((glob) => branchMatches(glob, event.ref))) {
      const what = event.tag ? "tag" : "branch";
      return { outcome: "ignored", why: `${repo.name} is not built on push to ${what} ${event.ref}` };
    }
    branch = event.ref;
  } else {
    if (!on?.pullRequest) return { outcome: "ignored", why: `${repo.name} does not build pull requests` };
    branch = pullBranch(event.trigger.number);
  }
  if (skipsCi(event.headMessage)) {
    return { outcome: "ignored", why: `the head commit ${event.sha.slice(0, 10)} says [skip ci]` };
  }
  const { build } = await service.requestBuild(triggeredRequest(repo, branch, event.sha, event.trigger));
  // A queued build of the same branch started the same way is out of date: only the newest head matters.
  const superseded: number[] = [];
  for (const old of service.listBuilds({ repo: repo.name, branch, status: "queued", limit: 100 })) {
    if (old.id >= build.id || old.status !== "queued" || old.trigger?.kind !== event.kind) continue;
    await service.supersede(old, build);
    superseded.push(old.id);
  }
  return { outcome: "built", build, superseded };
}

/** A build request on behalf of a trigger: no chat channel (posts follow the repo's routing). */
export function triggeredRequest(
  repo: RepoConfig,
  branch: string,
  sha: string | null,
  trigger: BuildTrigger,
): BuildRequest {
  const who = triggerRequester(trigger);
  return {
    repo: repo.name,
    branch,
    revision: sha,
    user: { id: who.id, name: who.name },
    channel: { id: "", name: "" },
    trigger,
    again: true,
  };
}
