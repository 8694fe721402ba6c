import type { Logger } from "pino";
import type { ArtifactLimits, RepoConfig } from "../../config/config.js";
import { ARTIFACTS_KEY, summarize } from "../../core/artifacts.js";
import type { Build } from "../../core/build.js";
import type { BuildEvent } from "../../core/events.js";
import type { Clock } from "../../core/ports.js";
import type { ArtifactShelf } from "./artifacts/artifact-shelf.js";
import { collectArtifacts } from "./artifacts/collect-artifacts.js";

/** Where a build's artifacts go and how much it may keep (LocalBackend gives every build the same). */
export interface ArtifactKeeping {
  readonly shelf: ArtifactShelf;
  readonly limits: ArtifactLimits;
}

export interface KeepArtifactsOptions {
  readonly build: Build;
  readonly repo: RepoConfig;
  readonly workspace: string;
  readonly artifacts?: ArtifactKeeping;
  readonly extraSecrets: readonly string[];
  readonly emit: (event: BuildEvent) => void;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/**
 * After the last step and before the working copy is taken away (run-build.ts): copies out what
 * the repo's `artifacts` globs name, and records how many files it kept on the build (its
 * `external`, like the sandbox it ran in), so the finish post can link them. Never throws: a build
 * whose artifacts could not be kept still reports its result.
 */
export async function keepArtifacts(options: KeepArtifactsOptions): Promise<void> {
  const globs = options.repo.artifacts ?? [];
  if (!options.artifacts || globs.length === 0) return;
  const { build } = options;
  try {
    const manifest = await collectArtifacts({
      workspace: options.workspace,
      globs,
      buildId: build.id,
      shelf: options.artifacts.shelf,
      limits: options.artifacts.limits,
      secrets: [...Object.values(options.repo.secrets), ...options.extraSecrets],
    });
    if (!manifest) return;
    const summary = summarize(manifest);
    options.logger?.debug(
      { buildId: build.id, ...summary, refused: manifest.refused.length + manifest.moreRefused },
      "artifacts kept",
    );
    if (summary.files === 0) return;
    options.emit({
      type: "external",
      buildId: build.id,
      at: options.clock(),
      external: { [ARTIFACTS_KEY]: summary },
    });
  } catch (error) {
    options.logger?.warn({ buildId: build.id, err: error }, "could not keep the build's artifacts");
  }
}
