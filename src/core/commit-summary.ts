import type { Build } from "./build.js";

/** The commit a build built, as its page names it: the first line of its message and its author. */
export interface CommitSummary {
  readonly title: string;
  readonly author: string;
}

/** What slashbuild knows of a commit without asking git: the head commit a push's webhook named. */
export function commitFromTrigger(build: Pick<Build, "sha" | "trigger">): CommitSummary | null {
  const trigger = build.trigger;
  if (build.sha === null || trigger?.kind !== "push") return null;
  const commit = trigger.commits.find((c) => c.sha === build.sha);
  return commit ? { title: commit.title, author: commit.authorName } : null;
}
