import { z } from "zod";
import { FULL_COMMIT_ID } from "../core/commit-id.js";
import { SlashbuildError } from "../core/errors.js";
import {
  type ForgeRepoRef,
  firstLine,
  MAX_TRIGGER_COMMITS,
  type TriggerCommit,
} from "../core/triggers/trigger.js";

/**
 * Shared zod pieces for forge payloads. Only the fields slashbuild reads are declared; everything
 * else in a payload is ignored (zod strips it). A payload that lacks a needed field is a 400.
 */

export const sha = z.string().regex(FULL_COMMIT_ID, "must be a full commit id");

export const commitSchema = z.object({
  id: sha,
  message: z.string().default(""),
  author: z.object({ name: z.string().default(""), email: z.string().nullish() }).prefault({}),
});

/** The `repository` object GitHub and Gitea/Forgejo both send (Gitea copied GitHub's shape). */
export const repositorySchema = z.object({
  full_name: z.string().min(1),
  clone_url: z.string().nullish(),
  ssh_url: z.string().nullish(),
  html_url: z.string().nullish(),
});

export function repositoryRef(repo: z.output<typeof repositorySchema>): ForgeRepoRef {
  return {
    fullName: repo.full_name,
    cloneUrls: [repo.clone_url, repo.ssh_url, repo.html_url].filter((u): u is string => !!u),
    projectId: null,
  };
}

/** Hosts send the all-zero id as `after` when a branch or tag is deleted: nothing to build. */
export const ZERO_SHA = /^0+$/;

export function parseWith<T extends z.ZodType>(schema: T, payload: unknown, what: string): z.output<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? issue.path.map(String).join(".") : "";
    throw new SlashbuildError(
      "REQUEST_INVALID",
      `${what} payload is not what slashbuild expects${where ? ` at ${where}` : ""}: ${issue?.message ?? "invalid"}. Send the host's standard JSON payload.`,
    );
  }
  return result.data;
}

/** The last MAX_TRIGGER_COMMITS commits, newest last, reduced to what chat shows. */
export function toTriggerCommits(commits: readonly z.output<typeof commitSchema>[]): TriggerCommit[] {
  return commits.slice(-MAX_TRIGGER_COMMITS).map((commit) => ({
    sha: commit.id,
    title: firstLine(commit.message),
    authorName: commit.author.name,
    authorEmail: commit.author.email && commit.author.email !== "[REDACTED]" ? commit.author.email : null,
  }));
}

/** refs/heads/x → {name: x, tag: false}; refs/tags/v1 → {name: v1, tag: true}; anything else null. */
export function splitRef(ref: string): { name: string; tag: boolean } | null {
  if (ref.startsWith("refs/heads/")) return { name: ref.slice("refs/heads/".length), tag: false };
  if (ref.startsWith("refs/tags/")) return { name: ref.slice("refs/tags/".length), tag: true };
  return null;
}

/**
 * The commit a push builds: `after`, except for a tag. For an annotated tag GitHub (and Gitea)
 * send the tag object's id as `after`, which is no commit: a build of it fails and a commit status
 * on it is refused. head_commit names the commit the tag points to (GitHub sends it for every tag
 * push since 2021).
 */
export function pushedCommit(after: string, tag: boolean, headCommitId: string | undefined): string {
  return tag && headCommitId ? headCommitId : after;
}
