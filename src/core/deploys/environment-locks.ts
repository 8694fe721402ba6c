import type { Config } from "../../config/config.js";
import type { ChatChannel, ChatUser } from "../chat-command.js";
import { SlashbuildError, sentence } from "../errors.js";
import type { Atomically, Clock } from "../ports.js";
import type { EnvironmentEvent, EnvironmentLock } from "./deploy.js";
import type { DeployAccess } from "./deploy-access.js";
import { environmentOf, liveLock, lockedError } from "./deploy-admission.js";
import type { DeployNotifier, DeployStore } from "./ports.js";

/**
 * `/build lock` and `/build unlock` (hubot-deploy's environment locks): while an environment is
 * locked, deploys by anyone but the holder are refused. A lock lapses after the environment's
 * lock_ttl; an admin may break someone else's, and that is announced. Every change is stored as an
 * EnvironmentEvent (shown by `/build history`) and said in the channel through the outbox.
 */

export interface LockRequest {
  readonly repo: string;
  readonly environment: string;
  readonly user: ChatUser;
  readonly channel: ChatChannel;
  readonly reason?: string | null;
}

export interface Unlocked {
  readonly lock: EnvironmentLock;
  /** An admin ended someone else's lock. */
  readonly broken: boolean;
}

export interface EnvironmentLocksDeps {
  readonly config: Config;
  readonly store: DeployStore;
  readonly access: DeployAccess;
  readonly notifier: DeployNotifier;
  readonly clock: Clock;
  readonly atomically: Atomically;
}

const MAX_REASON = 200;

export class EnvironmentLocks {
  readonly #deps: EnvironmentLocksDeps;

  constructor(deps: EnvironmentLocksDeps) {
    this.#deps = deps;
  }

  /** Takes the lock, or renews the holder's own (a new reason, a fresh lock_ttl). */
  lock(request: LockRequest): EnvironmentLock {
    const { store, access, clock } = this.#deps;
    const { repo, environment } = this.#place(request);
    const permission = access.mayDeploy(repo, environment.defaultBranch, request.user);
    if (!permission.ok) throw new SlashbuildError("NOT_PERMITTED", sentence(permission.why));
    const now = clock();
    const held = liveLock(store, repo.name, environment.name, now);
    if (held && held.holderId !== request.user.id) throw lockedError(held);
    const reason = request.reason?.trim().slice(0, MAX_REASON) || null;
    const lock: EnvironmentLock = {
      repo: repo.name,
      environment: environment.name,
      holder: request.user.name,
      holderId: request.user.id,
      reason,
      since: held?.since ?? now,
      expiresAt: now + environment.lockTtlMs,
    };
    this.#deps.atomically(() => {
      store.setLock(lock);
      this.#tell(lock, "locked", request.user, reason, request.channel);
    });
    return lock;
  }

  /** Releases the holder's lock; an admin's unlock of someone else's breaks it. */
  unlock(request: LockRequest): Unlocked {
    const { store, access, clock } = this.#deps;
    const { repo, environment } = this.#place(request);
    const lock = liveLock(store, repo.name, environment.name, clock());
    if (!lock) {
      throw new SlashbuildError(
        "NOT_FOUND",
        `${sentence(environment.name)} of ${repo.name} is not locked; nothing to unlock.`,
      );
    }
    const broken = lock.holderId !== request.user.id;
    if (broken && !access.isAdmin(request.user)) {
      throw new SlashbuildError(
        "NOT_PERMITTED",
        `${sentence(environment.name)} is locked by @${lock.holder}; only they or an admin can unlock it.`,
      );
    }
    this.#deps.atomically(() => {
      store.clearLock(repo.name, environment.name);
      this.#tell(lock, broken ? "lock_broken" : "unlocked", request.user, lock.reason, request.channel);
    });
    return { lock, broken };
  }

  /** Locks past their lock_ttl are cleared and recorded as lapsed (they already held nothing). */
  sweep(now: number): void {
    for (const lock of this.#deps.store.lapsedLocks(now, 100)) {
      this.#deps.atomically(() => {
        this.#deps.store.clearLock(lock.repo, lock.environment);
        this.#deps.store.record({
          repo: lock.repo,
          environment: lock.environment,
          kind: "lock_lapsed",
          actor: lock.holder,
          actorId: lock.holderId,
          holder: lock.holder,
          detail: lock.reason,
          at: lock.expiresAt,
        });
      });
    }
  }

  #tell(
    lock: EnvironmentLock,
    kind: EnvironmentEvent["kind"],
    user: ChatUser,
    detail: string | null,
    channel: ChatChannel,
  ): void {
    const event: EnvironmentEvent = {
      repo: lock.repo,
      environment: lock.environment,
      kind,
      actor: user.name,
      actorId: user.id,
      holder: lock.holder,
      detail,
      at: this.#deps.clock(),
    };
    this.#deps.store.record(event);
    this.#deps.notifier.environmentChanged(event, channel);
  }

  #place(request: LockRequest) {
    const place = environmentOf(this.#deps.config, request.repo, request.environment);
    if (!this.#deps.access.channelAllowed(place.repo, request.channel)) {
      throw new SlashbuildError(
        "CHANNEL_NOT_ALLOWED",
        `${place.repo.name}'s environments are locked only where ${place.repo.name} can be built; run the command there.`,
      );
    }
    return place;
  }
}
