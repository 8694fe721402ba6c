import { vi } from "vitest";
import type { Build } from "../../src/core/build.js";
import type { BuildService } from "../../src/core/build-service.js";

/** How long and how often buildFinished looks, as vi.waitFor takes them. */
export interface Wait {
  readonly timeout: number;
  readonly interval: number;
}

/** Build `id` of a running app, once it has finished (whatever its status). */
export function buildFinished(
  app: { readonly service: Pick<BuildService, "findBuild"> },
  id: number,
  wait: Wait,
): Promise<Build> {
  return vi.waitFor(() => {
    const build = app.service.findBuild(id);
    if (!build || build.finishedAt === null) throw new Error(`build #${id} not finished`);
    return build;
  }, wait);
}
