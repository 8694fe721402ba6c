import { DEPLOY_USAGE, type DeployCommand, parseDeployCommand } from "./deploys/parse-deploy-command.js";
import { SlashbuildError, sentence } from "./errors.js";
import type { DirectMessageLevel } from "./ports.js";

/** What a person can type after `/build`. Parsing only splits and classifies; validation of names happens later. */
export type ParsedCommand =
  | { readonly kind: "help" }
  | { readonly kind: "list" }
  | { readonly kind: "health" }
  | { readonly kind: "status"; readonly target: { readonly repo: string } | { readonly id: number } | null }
  | { readonly kind: "stop"; readonly id: number }
  | { readonly kind: "rebuild"; readonly id: number; readonly again?: true }
  /** deploy, rollback, approve, reject, lock, unlock, envs, history (core/deploys/). */
  | { readonly kind: "deploy"; readonly command: DeployCommand }
  /** `/build notify me failures|all|off`; level null = say what the person chose. */
  | { readonly kind: "notify"; readonly level: DirectMessageLevel | null }
  | {
      readonly kind: "build";
      readonly repo: string;
      readonly branch: string | null;
      readonly revision: string | null;
      /** Start one even if the same build is already queued or running. */
      readonly again?: true;
    };

export const USAGE = [
  "`/build <repo> [branch] [revision]` starts a build (default branch, its tip unless a revision is given)",
  "`/build list` shows the repos you may build here",
  "`/build status [repo|N]` shows recent builds, a repo's builds, or build #N",
  "`/build stop N` stops build #N",
  "`/build rebuild N` builds #N's repo, branch and commit again",
  "Add `--again` (or `!`) to start a build even if the same one is already queued or running",
  DEPLOY_USAGE,
  "`/build notify me failures|all|off` (bot mode) sends you a direct message when your builds fail (`all`: whenever they end); `/build notify me` says which",
  "`/build health` (admins) says whether slashbuild can do its job",
  "`/build help` shows this",
].join("\n");

const BUILD_NUMBER = /^#?(\d{1,12})$/;
/** A chat message is short; anything longer is not a command and is refused before any work. */
const MAX_TEXT = 1000;
/**
 * The override of deduplication. Neither can be taken for a branch or revision: branch names may
 * not start with '-' and slashbuild refuses '!' in them (validate-ref.ts); revisions are hex.
 */
const AGAIN = new Set(["--again", "!"]);

export function parseBuildCommand(text: string): ParsedCommand {
  if (text.length > MAX_TEXT) {
    throw malformed(`that command is ${text.length} characters long; a /build command fits in ${MAX_TEXT}.`);
  }
  const deploy = parseDeployCommand(text);
  if (deploy) return { kind: "deploy", command: deploy };
  const all = text.trim().split(/\s+/).filter(Boolean);
  const words = all.filter((word) => !AGAIN.has(word.toLowerCase()));
  const again = words.length < all.length ? ({ again: true } as const) : {};
  const [first, ...rest] = words;
  if (first === undefined) throw malformed("tell me what to build.");
  const sub = first.toLowerCase();
  if (words.length < all.length && ["help", "list", "health", "status", "stop", "notify"].includes(sub)) {
    throw malformed("`--again` only goes with a build or a rebuild.");
  }
  switch (sub) {
    case "help":
      return { kind: "help" };
    case "list":
      expectArgs(rest, 0, "`/build list` takes no arguments.");
      return { kind: "list" };
    case "health":
      expectArgs(rest, 0, "`/build health` takes no arguments.");
      return { kind: "health" };
    case "status": {
      expectArgs(rest, 1, "`/build status` takes at most one repo or build number.");
      const [target] = rest;
      if (target === undefined) return { kind: "status", target: null };
      const id = parseBuildNumber(target);
      return { kind: "status", target: id === null ? { repo: target } : { id } };
    }
    case "notify":
      return { kind: "notify", level: parseNotify(rest) };
    case "stop":
    case "rebuild": {
      const kind = first.toLowerCase() as "stop" | "rebuild";
      const [target, ...extra] = rest;
      const id = target === undefined ? null : parseBuildNumber(target);
      if (id === null || extra.length > 0)
        throw malformed(`\`/build ${kind}\` takes one build number, e.g. \`/build ${kind} 12\`.`);
      return kind === "rebuild" ? { kind, id, ...again } : { kind, id };
    }
    default: {
      expectArgs(rest, 2, "a build takes a repo, then optionally a branch and a revision.");
      return { kind: "build", repo: first, branch: rest[0] ?? null, revision: rest[1] ?? null, ...again };
    }
  }
}

const LEVELS: readonly DirectMessageLevel[] = ["failures", "all", "off"];

/** `me [failures|all|off]`: "me" is required, so the command reads as what it does. */
function parseNotify(rest: readonly string[]): DirectMessageLevel | null {
  const [who, level, ...extra] = rest.map((word) => word.toLowerCase());
  const chosen = LEVELS.find((known) => known === level);
  if (who !== "me" || extra.length > 0 || (level !== undefined && chosen === undefined)) {
    throw malformed(
      "`/build notify` takes `me` and one of failures, all or off, e.g. `/build notify me failures`.",
    );
  }
  return chosen ?? null;
}

function parseBuildNumber(word: string): number | null {
  const match = BUILD_NUMBER.exec(word);
  return match?.[1] ? Number(match[1]) : null;
}

function expectArgs(rest: readonly string[], max: number, message: string): void {
  if (rest.length > max) throw malformed(message);
}

function malformed(message: string): SlashbuildError {
  return new SlashbuildError("COMMAND_MALFORMED", `${sentence(message)}\n${USAGE}`);
}
