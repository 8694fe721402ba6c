import type { GlobSegment, ReportGlob } from "../../core/report-glob.js";
import { matchesSegment } from "../../core/report-glob.js";
import { type HeldDirectory, Refused } from "./workspace-files.js";

/**
 * Finds the files a build's `test_reports` globs match in its working copy, one directory at a
 * time through held descriptors (workspace-files.ts): a literal segment is opened directly, a
 * wildcard one lists its directory, `**` descends into every subdirectory that is not a symbolic
 * link (nor a dot-directory). Each match is handed to `visit` while its directory is held, in name
 * order, once even when several globs match it. Bounded: at most `maxFiles` matches, MAX_ENTRIES
 * directory entries looked at, MAX_DEPTH directories deep; past a bound it stops and says so.
 */

/** Directory entries looked at per collection; a working copy with more is not searched further. */
export const MAX_ENTRIES = 200_000;
/** Directories deeper than this below the working copy are not searched. */
export const MAX_DEPTH = 64;

export interface WalkOptions {
  readonly maxFiles: number;
  readonly signal?: AbortSignal;
  /** A sentence about what was refused or left unsearched (a symbolic link, a bound reached). */
  readonly note: (text: string) => void;
}

interface Entry {
  readonly name: string;
  readonly directory: boolean;
  readonly symlink: boolean;
}

type Wildcard = Extract<GlobSegment, { kind: "wildcard" }>;

export class ReportWalk {
  readonly #seen = new Set<string>();
  readonly #noted = new Set<string>();
  readonly #options: WalkOptions;
  readonly #visit: (dir: HeldDirectory, name: string) => Promise<void>;
  #entries = 0;
  #stopped = false;

  constructor(options: WalkOptions, visit: (dir: HeldDirectory, name: string) => Promise<void>) {
    this.#options = options;
    this.#visit = visit;
  }

  /** Every match of `glob` below `top`, in order. */
  async run(top: HeldDirectory, glob: ReportGlob): Promise<void> {
    await this.#at(top, glob.segments, 0, 0, null);
  }

  /** Segment `i` of the glob, matched in `dir`; `listed` is its listing when already read. */
  async #at(
    dir: HeldDirectory,
    segments: readonly GlobSegment[],
    i: number,
    depth: number,
    listed: readonly Entry[] | null,
  ): Promise<void> {
    const segment = segments[i];
    if (!segment || this.#halted()) return;
    const last = i === segments.length - 1;
    if (segment.kind === "literal") {
      if (last) await this.#match(dir, segment.name);
      else await this.#descend(dir, segment.name, segments, i + 1, depth, true);
      return;
    }
    const entries = listed ?? (await this.#list(dir));
    if (segment.kind === "wildcard") {
      for (const entry of entries.filter((e) => matchesSegment(segment as Wildcard, e.name))) {
        if (this.#halted()) return;
        if (last) {
          if (!entry.directory) await this.#match(dir, entry.name);
        } else if (entry.directory || entry.symlink) {
          await this.#descend(dir, entry.name, segments, i + 1, depth, true);
        }
      }
      return;
    }
    // `**`: no directory at all here, then each subdirectory with the `**` still to match.
    await this.#at(dir, segments, i + 1, depth, entries);
    for (const entry of entries) {
      if (this.#halted()) return;
      if (entry.directory && !entry.name.startsWith(".")) {
        await this.#descend(dir, entry.name, segments, i, depth, false);
      }
    }
  }

  async #descend(
    dir: HeldDirectory,
    name: string,
    segments: readonly GlobSegment[],
    i: number,
    depth: number,
    named: boolean,
  ): Promise<void> {
    if (depth >= MAX_DEPTH) {
      this.#noteOnce(`directories more than ${MAX_DEPTH} deep were not searched`);
      return;
    }
    const sub = await dir.directory(name);
    if (sub instanceof Refused) {
      // A directory the glob names, or matched by a wildcard, is reported; `**` passes links by.
      if (named) this.#options.note(`${sub.why}: not followed`);
      return;
    }
    if (sub === null) return;
    try {
      await this.#at(sub, segments, i, depth + 1, null);
    } finally {
      await sub.close();
    }
  }

  async #match(dir: HeldDirectory, name: string): Promise<void> {
    const relative = dir.below(name);
    if (this.#seen.has(relative)) return;
    if (this.#seen.size >= this.#options.maxFiles) {
      this.#stop(
        `only the first ${this.#options.maxFiles} report files were read (runner.test_reports.max_files)`,
      );
      return;
    }
    this.#seen.add(relative);
    await this.#visit(dir, name);
  }

  async #list(dir: HeldDirectory): Promise<Entry[]> {
    const entries: Entry[] = [];
    for await (const entry of dir.entries()) {
      if (++this.#entries > MAX_ENTRIES) {
        this.#stop(`the search stopped after ${MAX_ENTRIES} directory entries`);
        break;
      }
      entries.push({ name: entry.name, directory: entry.isDirectory(), symlink: entry.isSymbolicLink() });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #halted(): boolean {
    return this.#stopped || this.#options.signal?.aborted === true;
  }

  #stop(why: string): void {
    if (!this.#stopped) this.#options.note(why);
    this.#stopped = true;
  }

  #noteOnce(why: string): void {
    if (this.#noted.has(why)) return;
    this.#noted.add(why);
    this.#options.note(why);
  }
}
