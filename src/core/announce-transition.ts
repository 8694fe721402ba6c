import type { Build } from "./build.js";
import type { Announcement } from "./build-state-machine.js";
import type { StatusNotifier } from "./ports.js";

/** Tells the notifier the post a transition calls for (build-state-machine.ts decides which). */
export function announceTransition(notifier: StatusNotifier, announce: Announcement, build: Build): void {
  switch (announce) {
    case "started":
      notifier.buildStarted(build);
      break;
    case "progressed":
      notifier.buildProgressed?.(build);
      break;
    case "finished":
      notifier.buildFinished(build);
      break;
  }
}
