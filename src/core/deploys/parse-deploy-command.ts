import { SlashbuildError, sentence } from "../errors.js";
import type { DeployTarget } from "./resolve-deploy-target.js";

/**
 * The deploy sub-commands of `/build` (issue 20). parseBuildCommand asks this first; a text whose
 * first word is not one of these words is a build request as before (so a repo can no longer be
 * called `deploy`, `rollback`, `approve`, `reject`, `lock`, `unlock`, `envs` or `history` and be
 * built by its bare name; the README's migration note says so).
 */

export type DeployCommand =
  | {
      readonly action: "deploy";
      readonly repo: string;
      readonly environment: string;
      readonly target: DeployTarget;
      readonly force: boolean;
    }
  | {
      readonly action: "rollback";
      readonly repo: string;
      readonly environment: string;
      readonly force: boolean;
    }
  | { readonly action: "approve" | "reject"; readonly id: number; readonly reason: string | null }
  | {
      readonly action: "lock";
      readonly repo: string;
      readonly environment: string;
      readonly reason: string | null;
    }
  | { readonly action: "unlock"; readonly repo: string; readonly environment: string }
  | { readonly action: "envs"; readonly repo: string | null }
  | { readonly action: "history"; readonly repo: string; readonly environment: string };

export const DEPLOY_USAGE = [
  "`/build deploy <repo> <environment> [#N|revision]` deploys build #N's commit, a commit, or the newest green build",
  "`/build approve N` / `/build reject N [reason]` decide on deploy #N",
  "`/build rollback <repo> <environment>` deploys the previous successful deploy's revision again",
  "`/build lock <repo> <environment> [reason]` / `/build unlock <repo> <environment>` hold an environment",
  "`/build envs [repo]` shows what is deployed where; `/build history <repo> <environment>` its recent deploys",
  "Admins add `--force` to deploy past a lock, a freeze, or the green-build and branch rules (it is recorded)",
].join("\n");

const WORDS = new Set(["deploy", "rollback", "approve", "reject", "lock", "unlock", "envs", "history"]);
const FORCE = "--force";
const NUMBER = /^#?(\d{1,12})$/;

/** The deploy command `text` is, or null when it is not one (the caller parses a build). */
export function parseDeployCommand(text: string): DeployCommand | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  const action = first?.toLowerCase();
  if (action === undefined || !WORDS.has(action)) return null;
  const force = rest.some((word) => word.toLowerCase() === FORCE);
  const args = rest.filter((word) => word.toLowerCase() !== FORCE);
  if (force && action !== "deploy" && action !== "rollback") {
    throw malformed(`\`${FORCE}\` goes only with \`/build deploy\` and \`/build rollback\`.`);
  }
  switch (action) {
    case "deploy": {
      const [repo, environment, target, ...extra] = args;
      if (!repo || !environment || extra.length > 0) {
        throw malformed("`/build deploy` takes a repo, an environment, and optionally `#N` or a revision.");
      }
      return { action, repo, environment, target: parseTarget(target), force };
    }
    case "rollback": {
      const [repo, environment] = exactly(args, 2, "`/build rollback` takes a repo and an environment.");
      return { action, repo, environment, force };
    }
    case "approve":
    case "reject": {
      const [target, ...reason] = args;
      const id = target === undefined ? null : NUMBER.exec(target)?.[1];
      if (!id || (action === "approve" && reason.length > 0)) {
        throw malformed(
          `\`/build ${action}\` takes a deploy's number, e.g. \`/build ${action} 12\`${action === "reject" ? " and a reason" : ""}.`,
        );
      }
      return { action, id: Number(id), reason: reason.length > 0 ? reason.join(" ") : null };
    }
    case "lock": {
      const [repo, environment, ...reason] = args;
      if (!repo || !environment) throw malformed("`/build lock` takes a repo, an environment and a reason.");
      return { action, repo, environment, reason: reason.length > 0 ? reason.join(" ") : null };
    }
    case "unlock": {
      const [repo, environment] = exactly(args, 2, "`/build unlock` takes a repo and an environment.");
      return { action, repo, environment };
    }
    case "envs": {
      if (args.length > 1) throw malformed("`/build envs` takes at most a repo.");
      return { action, repo: args[0] ?? null };
    }
    default: {
      const [repo, environment] = exactly(args, 2, "`/build history` takes a repo and an environment.");
      return { action: "history", repo, environment };
    }
  }
}

function parseTarget(word: string | undefined): DeployTarget {
  if (word === undefined) return null;
  if (word.startsWith("#")) {
    const id = NUMBER.exec(word)?.[1];
    if (!id) throw malformed(`\`${word.slice(0, 40)}\` is not a build number; write e.g. \`#12\`.`);
    return { build: Number(id) };
  }
  return { revision: word };
}

/** A repo and an environment, and nothing else. */
function exactly(args: readonly string[], count: 2, message: string): [string, string] {
  const [repo, environment] = args;
  if (args.length !== count || repo === undefined || environment === undefined) throw malformed(message);
  return [repo, environment];
}

function malformed(message: string): SlashbuildError {
  return new SlashbuildError("COMMAND_MALFORMED", `${sentence(message)}\n${DEPLOY_USAGE}`);
}
