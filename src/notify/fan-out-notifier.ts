import type { Build } from "../core/build.js";
import type { StatusNotifier } from "../core/ports.js";

/**
 * One StatusNotifier for the core, several sinks behind it (chat, commit statuses). Each sink only
 * stores into its outbox, so one failing never keeps the others from hearing about the build.
 */
export function fanOutNotifier(
  sinks: readonly StatusNotifier[],
  onError: (error: unknown, build: Build) => void,
): StatusNotifier {
  const each = (build: Build, call: (sink: StatusNotifier) => void) => {
    for (const sink of sinks) {
      try {
        call(sink);
      } catch (error) {
        onError(error, build);
      }
    }
  };
  return {
    buildQueued: (build) => each(build, (sink) => sink.buildQueued(build)),
    buildStarted: (build) => each(build, (sink) => sink.buildStarted(build)),
    buildProgressed: (build) => each(build, (sink) => sink.buildProgressed?.(build)),
    buildFinished: (build) => each(build, (sink) => sink.buildFinished(build)),
  };
}
