import type { Build } from "../../src/core/build.js";
import type { PostDestination } from "../../src/core/ports.js";
import type { Excerpt, OutboxDraft, StatusFormatter } from "../../src/notify/ports.js";

/**
 * A StatusFormatter that is no sink's: it says one message per moment, whose payload names the
 * moment, the build, what the build says about itself (reason, failing step) and the excerpt it
 * was given. notify/ is tested through it, so its tests hold for every sink and break with none.
 */

export interface FakePayload {
  readonly moment: "queued" | "started" | "progressed" | "finished";
  readonly build: number;
  readonly status: Build["status"];
  readonly reason: string | null;
  readonly failingStep: string | null;
  readonly excerpt: string | null;
}

export class FakeStatusFormatter implements StatusFormatter {
  /** Every call, in order: the moment and the build id. */
  readonly calls: [FakePayload["moment"], number][] = [];
  /** Moments this sink says nothing at (an empty draft list). */
  readonly #silent: ReadonlySet<FakePayload["moment"]>;

  constructor(silent: readonly FakePayload["moment"][] = []) {
    this.#silent = new Set(silent);
  }

  queued(build: Build): readonly OutboxDraft[] {
    return this.#say("queued", build, null);
  }

  started(build: Build): readonly OutboxDraft[] {
    return this.#say("started", build, null);
  }

  progressed(build: Build): readonly OutboxDraft[] {
    return this.#say("progressed", build, null);
  }

  finished(build: Build, excerpt: Excerpt | null): readonly OutboxDraft[] {
    return this.#say("finished", build, excerpt);
  }

  destination(): PostDestination {
    return { where: { kind: "console" }, when: "all" };
  }

  #say(moment: FakePayload["moment"], build: Build, excerpt: Excerpt | null): OutboxDraft[] {
    this.calls.push([moment, build.id]);
    if (this.#silent.has(moment)) return [];
    const payload: FakePayload = {
      moment,
      build: build.id,
      status: build.status,
      reason: build.reason,
      failingStep: build.failingStep,
      excerpt: excerpt ? `${excerpt.step.name}: ${excerpt.text}` : null,
    };
    return [{ kind: moment, payload }];
  }
}
