import type { Build } from "../../src/core/build.js";
import type { BuildRequest } from "../../src/core/build-admission.js";
import type { BuildService } from "../../src/core/build-service.js";

/**
 * A new build whatever is already queued (`again`), for tests about what happens to a build rather
 * than about deduplication (test/unit/core/find-duplicate.test.ts covers that).
 */
export async function requestNew(service: BuildService, request: BuildRequest): Promise<Build> {
  return (await service.requestBuild({ ...request, again: true })).build;
}
