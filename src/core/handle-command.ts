import type { Config } from "../config/config.js";
import { buildableRepos, isAdmin } from "./authorize.js";
import { type Build, shortSha } from "./build.js";
import type { Admission, BuildService } from "./build-service.js";
import type { ChatCommand, Reply } from "./chat-command.js";
import { isSlashbuildError, SlashbuildError } from "./errors.js";
import { formatHealth } from "./format-health.js";
import { buildLink, code, describeBuild, queuedReply, unconfirmedReply } from "./format-reply.js";
import { type ParsedCommand, parseBuildCommand, USAGE } from "./parse-build-command.js";
import type { CommandExtras } from "./ports.js";

const RECENT = 10;

/**
 * The one entry point for every chat command, whatever transport brought it. Refusals
 * (SlashbuildErrors) become ephemeral replies that say what to do; anything else propagates
 * as a real fault.
 */
export async function handleCommand(
  service: BuildService,
  config: Config,
  command: ChatCommand,
  extras: CommandExtras = {},
): Promise<Reply> {
  try {
    return await dispatch(service, config, command, parseBuildCommand(command.text), extras);
  } catch (error) {
    if (isSlashbuildError(error)) {
      return { visibility: "ephemeral", text: error.message, refusal: true, code: error.code };
    }
    throw error;
  }
}

async function dispatch(
  service: BuildService,
  config: Config,
  command: ChatCommand,
  parsed: ParsedCommand,
  extras: CommandExtras,
): Promise<Reply> {
  const { user, channel } = command;
  switch (parsed.kind) {
    case "help":
      return ephemeral(`**slashbuild**\n${USAGE}`);
    case "health": {
      if (!isAdmin(config, user)) {
        throw new SlashbuildError(
          "NOT_PERMITTED",
          "`/build health` is for admins (access.admins); ask one of them.",
        );
      }
      if (!extras.health) return ephemeral("Health checks are not available in this setup.");
      return ephemeral(formatHealth(await extras.health()));
    }
    case "list": {
      service.checkGlobalChannel(channel);
      const repos = buildableRepos(config, user, channel);
      if (repos.length === 0) return ephemeral("There is no repo you may build from this channel.");
      return ephemeral(
        [
          "Repos you can build here:",
          ...repos.map((r) => `- ${code(r.name)} (default branch ${code(r.defaultBranch)})`),
        ].join("\n"),
      );
    }
    case "status": {
      service.checkGlobalChannel(channel);
      if (parsed.target && "id" in parsed.target)
        return ephemeral(describeBuild(config, service.getBuild(parsed.target.id)));
      const repo = parsed.target?.repo;
      const builds = service.listBuilds({ ...(repo ? { repo } : {}), limit: RECENT });
      if (builds.length === 0) return ephemeral(repo ? `No builds of ${code(repo)} yet.` : "No builds yet.");
      return ephemeral(builds.map((b) => `- ${describeBuild(config, b)}`).join("\n"));
    }
    case "stop": {
      service.checkGlobalChannel(channel);
      const build = await service.stopBuild(parsed.id, user);
      return ephemeral(`Stopping build #${build.id} (${code(build.repo)} ${code(build.branch)}).`);
    }
    case "rebuild": {
      const admission = await service.rebuild(parsed.id, user, channel, { again: parsed.again === true });
      return ephemeral(admitted(service, config, admission, `/build rebuild ${parsed.id} --again`));
    }
    case "build": {
      const admission = await service.requestBuild({
        repo: parsed.repo,
        branch: parsed.branch,
        revision: parsed.revision,
        user,
        channel,
        again: parsed.again === true,
      });
      const { build } = admission;
      const override = `/build ${[build.repo, build.branch, parsed.revision].filter(Boolean).join(" ")} --again`;
      return ephemeral(admitted(service, config, admission, override));
    }
  }
}

function admitted(
  service: BuildService,
  config: Config,
  { build, duplicate, unconfirmed }: Admission,
  override: string,
): string {
  if (duplicate) return duplicateReply(config, build, override);
  return unconfirmed === undefined
    ? queuedReply(config, build, service.postDestination(build))
    : unconfirmedReply(config, build, unconfirmed);
}

/** The answer to a request for what is already queued or running: its link, and how to insist. */
function duplicateReply(config: Config, build: Build, override: string): string {
  const what = `${buildLink(config, build)} (${code(build.repo)} ${code(build.branch)}${build.requestedRevision ? ` at ${code(build.requestedRevision)}` : ""})`;
  if (build.status === "queued") {
    const tip = build.requestedRevision ? "" : " and will build the branch tip as it is when it starts";
    return `Build ${what} is already queued${tip}, so I did not queue another. \`${override}\` queues one anyway.`;
  }
  const at = build.sha ? ` at ${code(shortSha(build.sha))}` : "";
  const pushed = build.requestedRevision ? "" : " If you pushed since it started,";
  return `Build ${what} is already running${at}, so I did not start another.${pushed} \`${override}\` starts one anyway.`;
}

function ephemeral(text: string): Reply {
  return { visibility: "ephemeral", text };
}
