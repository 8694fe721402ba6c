import type { Config } from "../../config/config.js";
import type { ChatCommand, Reply } from "../chat-command.js";
import type { DeployService } from "./deploy-service.js";
import { admissionReply, decisionReply, environmentsReply, historyReply } from "./format-deploy-reply.js";
import { formatTime } from "./format-time.js";
import type { DeployCommand } from "./parse-deploy-command.js";

/**
 * Runs a parsed deploy command as the person who typed it, where they typed it. Refusals are
 * SlashbuildErrors, which handleCommand turns into ephemeral answers like any other.
 */
export async function handleDeployCommand(
  deploys: DeployService,
  config: Config,
  { user, channel }: ChatCommand,
  command: DeployCommand,
): Promise<Reply> {
  switch (command.action) {
    case "deploy":
      return ephemeral(admissionReply(config, deploys.request({ ...command, user, channel })));
    case "rollback":
      return ephemeral(admissionReply(config, deploys.rollback({ ...command, user, channel })));
    case "approve":
    case "reject": {
      const outcome = deploys.decide({
        deploy: command.id,
        verdict: command.action === "approve" ? "approved" : "rejected",
        user,
        channel,
        via: "command",
        reason: command.reason,
      });
      return ephemeral(decisionReply(config, outcome));
    }
    case "lock": {
      const lock = deploys.locks.lock({ ...command, user, channel });
      return ephemeral(
        `Locked ${lock.environment} of ${lock.repo} until ${formatTime(lock.expiresAt)}: deploys by anyone but you are refused. \`/build unlock ${lock.repo} ${lock.environment}\` releases it.`,
      );
    }
    case "unlock": {
      const { lock, broken } = deploys.locks.unlock({ ...command, user, channel });
      return ephemeral(
        broken
          ? `You broke @${lock.holder}'s lock on ${lock.environment} of ${lock.repo}; the channel is told.`
          : `Unlocked ${lock.environment} of ${lock.repo}.`,
      );
    }
    case "envs":
      return ephemeral(environmentsReply(config, deploys.reads.environments(command.repo, channel)));
    case "history":
      return ephemeral(
        historyReply(config, deploys.reads.history(command.repo, command.environment, channel)),
      );
  }
}

function ephemeral(text: string): Reply {
  return { visibility: "ephemeral", text };
}
