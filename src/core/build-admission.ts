import type { Config, RepoConfig } from "../config/config.js";
import { allowedChannels, buildableRepos, channelAllowed, mayBuild } from "./authorize.js";
import type { Build } from "./build.js";
import type { ChatChannel, ChatUser } from "./chat-command.js";
import { SlashbuildError, sentence } from "./errors.js";
import { findDuplicate, type WantedBuild } from "./find-duplicate.js";
import type { BuildStore, RefChecker } from "./ports.js";
import { checkQueueLimits } from "./queue-limits.js";
import type { BuildTrigger } from "./triggers/trigger.js";
import { checkBranchName, checkRevision } from "./validate-ref.js";

export interface BuildRequest {
  readonly repo: string;
  readonly branch: string | null;
  readonly revision: string | null;
  readonly user: ChatUser;
  readonly channel: ChatChannel;
  readonly rebuildOf?: number;
  /** Start one even if the same repo, branch and commit is already queued or running. */
  readonly again?: boolean;
  /**
   * Set when no person typed it (push, pull request, schedule: core/triggers/). The forge or the
   * schedule already vouched for the ref, so the chat checks (channel, permission, branch exists)
   * do not apply; `user` is then the pusher, the PR author or "schedule" (triggerUser()).
   */
  readonly trigger?: BuildTrigger;
}

/** What admission decided: build this (checked, normalised), or answer with the build that already does. */
export type AdmissionDecision =
  | {
      readonly kind: "admit";
      readonly repo: RepoConfig;
      readonly branch: string;
      /** Lower-case hex, or null for the branch tip. */
      readonly revision: string | null;
    }
  | { readonly kind: "duplicate"; readonly build: Build };

export interface BuildAdmissionDeps {
  readonly config: Config;
  /** Only read: the unfinished build a request could duplicate, and the queue's counts. */
  readonly store: Pick<BuildStore, "newestSameUnfinished" | "countQueued">;
  readonly refs: RefChecker;
}

/**
 * Admission: every check a build request passes before a build exists. Cheap checks first, in the
 * order a person fixes them (repo, channel, what they typed, permission), then deduplication, the
 * queue limits (queue-limits.ts), and only then git (the branch must exist, a revision must be on it). The duplicate is looked for after every permission check,
 * so nobody learns of builds they could not have started. Stores nothing and starts nothing.
 */
export class BuildAdmission {
  readonly #config: Config;
  readonly #store: Pick<BuildStore, "newestSameUnfinished" | "countQueued">;
  readonly #refs: RefChecker;

  constructor(deps: BuildAdmissionDeps) {
    this.#config = deps.config;
    this.#store = deps.store;
    this.#refs = deps.refs;
  }

  async decide(request: BuildRequest): Promise<AdmissionDecision> {
    if (request.trigger) return this.#decideTriggered(request);
    const repo = this.#repoFor(request.repo, request.user, request.channel);
    this.checkChannel(repo, request.channel);
    const branch = request.branch ?? repo.defaultBranch;
    checkBranchName(branch);
    const revision = request.revision === null ? null : checkRevision(request.revision);
    const permission = mayBuild(this.#config, repo, branch, request.user);
    if (!permission.ok) throw new SlashbuildError("NOT_PERMITTED", sentence(permission.why));
    if (!request.again) {
      const existing = this.#duplicate({ repo: repo.name, branch, revision });
      if (existing) return { kind: "duplicate", build: existing };
    }
    checkQueueLimits(this.#config.queue, this.#store.countQueued(request.user.id));
    if (!(await this.#refs.branchExists(repo, branch))) {
      throw new SlashbuildError(
        "BRANCH_UNKNOWN",
        `Branch \`${branch}\` does not exist in ${repo.name}. Push it first, or build the default branch with \`/build ${repo.name}\`.`,
      );
    }
    // For every backend alike, before anything is stored or queued: a refusal is only an answer.
    if (revision !== null) await this.#refs.assertOnBranch(repo, branch, revision);
    return { kind: "admit", repo, branch, revision };
  }

  /** The channel allow-list: a repo's own `channels`, or the global one when `repo` is null. */
  checkChannel(repo: RepoConfig | null, channel: ChatChannel): void {
    if (channelAllowed(this.#config, repo, channel)) return;
    const allowed = allowedChannels(this.#config, repo) ?? [];
    const what = repo ? `${repo.name} can be built` : "/build works";
    throw new SlashbuildError(
      "CHANNEL_NOT_ALLOWED",
      `${what} only in ${allowed.map((c) => `~${c}`).join(", ")}. Run the command there.`,
    );
  }

  /** Triggered builds: the repo must be configured and the names well-formed; nothing else is asked. */
  #decideTriggered(request: BuildRequest): AdmissionDecision {
    const repo = Object.hasOwn(this.#config.repos, request.repo)
      ? this.#config.repos[request.repo]
      : undefined;
    if (!repo)
      throw new SlashbuildError("REPO_UNKNOWN", `There is no repo \`${request.repo}\` in the config.`);
    const branch = request.branch ?? repo.defaultBranch;
    checkBranchName(branch);
    const revision = request.revision === null ? null : checkRevision(request.revision);
    if (!request.again) {
      const existing = this.#duplicate({ repo: repo.name, branch, revision });
      if (existing) return { kind: "duplicate", build: existing };
    }
    return { kind: "admit", repo, branch, revision };
  }

  /** The store narrows through an index; the pure rule (find-duplicate.ts) has the last word. */
  #duplicate(wanted: WantedBuild): Build | undefined {
    return findDuplicate(this.#store.newestSameUnfinished(wanted), wanted);
  }

  #repoFor(name: string, user: ChatUser, channel: ChatChannel): RepoConfig {
    const repo = Object.hasOwn(this.#config.repos, name) ? this.#config.repos[name] : undefined;
    if (repo) return repo;
    const choices = buildableRepos(this.#config, user, channel).map((r) => r.name);
    throw new SlashbuildError(
      "REPO_UNKNOWN",
      choices.length > 0
        ? `There is no repo \`${name}\`. You can build: ${choices.map((c) => `\`${c}\``).join(", ")}.`
        : `There is no repo \`${name}\`, and there is no repo you may build from this channel.`,
    );
  }
}
