import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { type ArtifactManifest, type KeptArtifact, parseArtifactManifest } from "../../core/artifacts.js";
import type { Build } from "../../core/build.js";

/** What the web reads artifacts from: a build's list, and one kept file's bytes. */
export interface ArtifactSource {
  /** What the build kept and refused; null when it kept nothing (none configured, another backend). */
  list(build: Build): Promise<ArtifactManifest | null>;
  /** The stored copy of one file the list names. */
  open(build: Build, artifact: KeptArtifact): Readable;
}

/** The embedded runner's side: where its shelf keeps them (backends/local/artifacts/artifact-shelf.ts). */
export interface ArtifactLocation {
  manifestPath(buildId: number): string;
  filePath(buildId: number, file: number): string;
}

/** A read in pieces this big: memory per download stays bounded whatever the file's size. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The shelf's files as an ArtifactSource. A download is looked up in the manifest by its path and
 * opened by its number: nothing from the URL becomes part of a path on disk.
 */
export function fileArtifactSource(location: ArtifactLocation): ArtifactSource {
  return {
    async list(build) {
      let text: string;
      try {
        text = await readFile(location.manifestPath(build.id), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      try {
        return parseArtifactManifest(JSON.parse(text));
      } catch {
        return null;
      }
    },
    open(build, artifact) {
      return createReadStream(location.filePath(build.id, artifact.file), { highWaterMark: CHUNK_BYTES });
    },
  };
}
