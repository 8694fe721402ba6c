import path from "node:path";

/**
 * Where kept artifacts live: `<dataDir>/artifacts/<buildId>/`, each file under its number (0, 1,
 * …) beside `manifest.json`, which says which path of the working copy each number was. The names
 * on disk are slashbuild's, never the build's: the web finds a download in the manifest and opens
 * the number. Retention removes a build's folder (store/retention-pruner.ts).
 */
export class ArtifactShelf {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, "artifacts");
  }

  dirFor(buildId: number): string {
    return path.join(this.root, String(count(buildId)));
  }

  manifestPath(buildId: number): string {
    return path.join(this.dirFor(buildId), "manifest.json");
  }

  filePath(buildId: number, file: number): string {
    return path.join(this.dirFor(buildId), String(count(file)));
  }
}

/** Only a non-negative integer may become part of a path (ids come from URLs, numbers from a file). */
function count(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a build or file number: ${value}`);
  return value;
}
