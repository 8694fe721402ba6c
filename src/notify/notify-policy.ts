import type { Config, NotifyFilter, RepoConfig } from "../config/config.js";
import type { Build } from "../core/build.js";
import type { SinkFilter } from "./ports.js";

/**
 * Whether a build's moments are announced at all: each repo's `notify` filter. Pure functions over
 * the repo's config, so every chat platform filters alike. Where the posts go is chat's business
 * (chat/route-channel.ts).
 */

export function filterOf(repo: RepoConfig | undefined): NotifyFilter {
  return repo?.notify ?? "all";
}

/** Progress (queued, running, steps) is only worth a channel's attention when it hears about everything. */
export function announcesProgress(repo: RepoConfig | undefined): boolean {
  return filterOf(repo) === "all";
}

/** What a finished build says about the code: cancelled and interrupted builds say nothing. */
export function verdict(build: Pick<Build, "status">): "pass" | "fail" | null {
  if (build.status === "succeeded") return "pass";
  if (build.status === "failed" || build.status === "timed_out") return "fail";
  return null;
}

/**
 * Whether the finish is announced. `failures`: every unsuccessful result except a deliberate
 * cancel. `changes`: a result that differs from the branch's previous verdict (broken or fixed);
 * a first-ever failure counts as broken, a first-ever success is not news.
 */
export function announcesFinish(
  repo: RepoConfig | undefined,
  build: Build,
  previous: PreviousVerdict,
): boolean {
  switch (filterOf(repo)) {
    case "all":
      return true;
    case "failures":
      return build.status !== "succeeded" && build.status !== "cancelled";
    case "changes": {
      const now = verdict(build);
      if (now === null) return false;
      const earlier = previous(build);
      const before = earlier ? verdict(earlier) : null;
      return before === null ? now === "fail" : before !== now;
    }
  }
}

/** What a finish needs of the branch's previous verdict, asked only when it matters (`changes`, broke/fixed). */
export type PreviousVerdict = (build: Build) => Pick<Build, "status"> | undefined;

/** Chat's SinkFilter: each repo's `notify` filter (all, failures, changes) decides. */
export function repoNotifyFilter(config: Config, previous: PreviousVerdict = () => undefined): SinkFilter {
  const repo = (build: Build) =>
    Object.hasOwn(config.repos, build.repo) ? config.repos[build.repo] : undefined;
  return {
    progress: (build) => announcesProgress(repo(build)),
    finish: (build) => announcesFinish(repo(build), build, previous),
  };
}
