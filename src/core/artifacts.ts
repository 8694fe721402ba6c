import type { ArtifactLimits } from "../config/config.js";
import type { Build } from "./build.js";
import { formatBytes } from "./format-bytes.js";

/**
 * Artifacts: files a build kept after its workspace was removed (repos.<name>.artifacts). The
 * embedded runner copies them out and writes down what it kept in a manifest; the web serves them
 * from that list only, by the path the build gave them, so no name a build chose ever becomes a
 * path slashbuild opens. The manifest's shape is here because the runner writes it and the web
 * reads it, and neither may import the other.
 */

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = {
  maxFileBytes: 100_000_000,
  maxBuildBytes: 500_000_000,
  maxFiles: 200,
};

/** Files refused beyond this many are counted, not listed (a build could match a million). */
export const MAX_LISTED_REFUSALS = 100;

export interface KeptArtifact {
  /** Where it was in the working copy ("dist/app.tar.gz"): the name people see and download. */
  readonly path: string;
  /** Bytes as stored. */
  readonly size: number;
  /** The stored copy's number: its file name in the build's artifact folder. */
  readonly file: number;
}

export interface RefusedArtifact {
  readonly path: string;
  /** Why it was not kept, in a sentence ("is a symbolic link"). */
  readonly reason: string;
}

export interface ArtifactManifest {
  readonly kept: readonly KeptArtifact[];
  readonly refused: readonly RefusedArtifact[];
  /** Refusals not listed (past MAX_LISTED_REFUSALS). */
  readonly moreRefused: number;
  /** Why the search stopped early, if it did ("stopped after 100000 files"). */
  readonly note: string | null;
}

/** What the build record keeps of its artifacts (for chat's finish post). */
export interface ArtifactSummary {
  readonly files: number;
  readonly bytes: number;
}

/** The key of Build.external the runner records the summary under. */
export const ARTIFACTS_KEY = "artifacts";

export function summarize(manifest: ArtifactManifest): ArtifactSummary {
  return { files: manifest.kept.length, bytes: manifest.kept.reduce((sum, kept) => sum + kept.size, 0) };
}

/** The build's kept artifacts as its record says; null when it kept none. */
export function artifactSummary(build: Pick<Build, "external">): ArtifactSummary | null {
  const value = build.external[ARTIFACTS_KEY];
  if (typeof value !== "object" || value === null) return null;
  const { files, bytes } = value as Record<string, unknown>;
  if (!isCount(files) || !isCount(bytes) || files === 0) return null;
  return { files, bytes };
}

/** "3 files, 1.2 MB": what a finish post says of them. */
export function describeArtifacts(summary: ArtifactSummary): string {
  return `${summary.files} ${summary.files === 1 ? "file" : "files"}, ${formatBytes(summary.bytes)}`;
}

/** The build page's artifact list. */
export function artifactsUrl(publicUrl: string, build: Pick<Build, "id">): string {
  return `${publicUrl}/builds/${build.id}#artifacts`;
}

/** One artifact's download. Each path segment is encoded, so the URL names exactly that path. */
export function artifactUrl(build: Pick<Build, "id">, path: string): string {
  return `/builds/${build.id}/artifacts/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** A manifest read back from disk, checked field by field; null when it is not one. */
export function parseArtifactManifest(value: unknown): ArtifactManifest | null {
  if (typeof value !== "object" || value === null) return null;
  const raw = value as Record<string, unknown>;
  if (!Array.isArray(raw.kept) || !Array.isArray(raw.refused)) return null;
  const kept: KeptArtifact[] = [];
  for (const item of raw.kept as unknown[]) {
    const { path, size, file } = (item ?? {}) as Record<string, unknown>;
    if (typeof path !== "string" || !isCount(size) || !isCount(file)) return null;
    kept.push({ path, size, file });
  }
  const refused: RefusedArtifact[] = [];
  for (const item of raw.refused as unknown[]) {
    const { path, reason } = (item ?? {}) as Record<string, unknown>;
    if (typeof path !== "string" || typeof reason !== "string") return null;
    refused.push({ path, reason });
  }
  const moreRefused = isCount(raw.moreRefused) ? raw.moreRefused : 0;
  const note = typeof raw.note === "string" ? raw.note : null;
  return { kept, refused, moreRefused, note };
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
