import type { Config } from "../../config/config.js";
import type { Build } from "../build.js";
import type { ChatUser } from "../chat-command.js";
import type { Atomically, Clock } from "../ports.js";
import type { ApprovalRule } from "./approval-rules.js";
import type { Deploy } from "./deploy.js";
import type { DeployAccess } from "./deploy-access.js";
import { checkGate, type Environment } from "./deploy-admission.js";
import type { DeployQueue } from "./deploy-queue.js";
import type { DeployBuilds, DeployNotifier, DeployStore, FreezeCalendar, GreenBuilds } from "./ports.js";

/** What DeployService's parts share (requests, decisions, the build observer): its ports, resolved once. */
export interface DeployContext {
  readonly config: Config;
  readonly store: DeployStore;
  readonly green: GreenBuilds;
  readonly builds: DeployBuilds;
  readonly freezes: FreezeCalendar;
  readonly notifier: DeployNotifier;
  readonly access: DeployAccess;
  readonly rules: readonly ApprovalRule[];
  readonly clock: Clock;
  readonly atomically: Atomically;
  readonly onError: (error: unknown, subject: Deploy | Build) => void;
  readonly queue: DeployQueue;
}

/** The lock and freeze checks, now (deploy-admission.ts checkGate). */
export function gate(context: DeployContext, place: Environment, user: ChatUser, force: boolean): string[] {
  return checkGate(place, user, force, {
    store: context.store,
    freezes: context.freezes,
    now: context.clock(),
  });
}
