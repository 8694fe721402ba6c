import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import type { Db } from "./open-database.js";

/** The highest build number handed out, kept beside the database: restoring a backup does not roll it back. */
const FILE = "last-build-number";
/** Fixed width, written in place: a crash mid-write leaves the old number or the new one, never a shorter one. */
const WIDTH = 20;

export class BuildNumberMark {
  constructor(readonly file: string) {}

  /** The highest number recorded; 0 when there is none. */
  read(): number {
    try {
      const number = Number.parseInt(readFileSync(this.file, "utf8").trim(), 10);
      return Number.isSafeInteger(number) && number > 0 ? number : 0;
    } catch {
      return 0;
    }
  }

  /** Records a new build's number: one small write, no fsync (it only has to outlive the process). */
  record(id: number): void {
    try {
      const fd = openSync(this.file, constants.O_WRONLY | constants.O_CREAT, 0o600);
      try {
        writeSync(fd, `${String(id).padStart(WIDTH, "0")}\n`, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      // The build is stored already and must be answered; the mark only guards a later restore,
      // and the logs folder still does for the embedded runner's builds.
    }
  }
}

interface Warn {
  warn(fields: object, message: string): void;
}

/**
 * Build numbers are never reused, even after a restore (issue 22): a restored database remembers
 * only the builds of its backup, and handed their successors' numbers out again, so chat links and
 * commit statuses opened another build and `logs/N` was overwritten. Before any build is taken,
 * SQLite's counter for builds is raised to the highest number data_dir shows: the mark, or the
 * highest `logs/N` (the embedded runner's builds, also from before the mark existed).
 */
export function keepBuildNumbersAhead(
  db: Db,
  dataDir: string,
  highestLogged: number,
  logger: Warn,
): BuildNumberMark {
  const mark = new BuildNumberMark(path.join(dataDir, FILE));
  const onDisk = Math.max(mark.read(), highestLogged);
  const sequence = db
    .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'builds'")
    .get();
  const inDatabase = sequence?.seq ?? 0;
  if (onDisk > inDatabase) {
    db.prepare(
      sequence
        ? "UPDATE sqlite_sequence SET seq = ? WHERE name = 'builds'"
        : "INSERT INTO sqlite_sequence (name, seq) VALUES ('builds', ?)",
    ).run(onDisk);
    logger.warn(
      { lastInDatabase: inDatabase, lastOnDisk: onDisk },
      `the database's last build is #${inDatabase}, but ${dataDir} has seen builds up to #${onDisk} (a restored backup?): ` +
        `new builds start at #${onDisk + 1}, so no build number or log is reused`,
    );
  } else if (onDisk < inDatabase) {
    mark.record(inDatabase);
  }
  return mark;
}
