import type { Build } from "../core/build.js";
import type { StatusNotifier } from "../core/ports.js";

/** A StatusNotifier that can say when its asynchronous work (failure excerpts) is in the outbox. */
export interface SettlingNotifier extends StatusNotifier {
  settled(): Promise<void>;
}

/**
 * Several status sinks behind the core's one StatusNotifier (chat, and a Git host's commit
 * statuses): each hears every moment, in the order given. A sink that throws does not keep the
 * others from hearing; the first error is rethrown once all have been told.
 */
export function fanOutNotifier(notifiers: readonly SettlingNotifier[]): SettlingNotifier {
  const tell = (call: (notifier: SettlingNotifier) => void) => {
    let failure: { error: unknown } | null = null;
    for (const notifier of notifiers) {
      try {
        call(notifier);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  };
  return {
    buildQueued: (build: Build) => tell((n) => n.buildQueued(build)),
    buildStarted: (build: Build) => tell((n) => n.buildStarted(build)),
    buildProgressed: (build: Build) => tell((n) => n.buildProgressed?.(build)),
    buildFinished: (build: Build) => tell((n) => n.buildFinished(build)),
    settled: async () => {
      await Promise.all(notifiers.map((n) => n.settled()));
    },
  };
}
