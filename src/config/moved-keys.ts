/**
 * Keys that moved to another place in the file. A file that still writes a key in its old place
 * keeps working: the key is moved to its new place before validation, and `check-config` and
 * `serve`'s log say how to update the file. A file that sets both places is refused, since which
 * one it means is not clear. docs/configuration.md lists the moves ("Moved keys").
 */

export interface MovedKey {
  /** The old place, as a dotted path in the file: `mattermost.admins`. */
  readonly from: string;
  /** The new place: `access.admins`. */
  readonly to: string;
}

export const MOVED_KEYS: readonly MovedKey[] = [
  // Who may build where is slashbuild's own rule, not one chat platform's (issue 19).
  { from: "mattermost.channels", to: "access.channels" },
  { from: "mattermost.admins", to: "access.admins" },
];

export interface KeysMoved {
  /** The document with every old key in its new place (the input is not changed). */
  readonly document: unknown;
  /** The moves this file needed. */
  readonly moved: readonly MovedKey[];
  /** Keys set in both places, as config problems. */
  readonly problems: readonly string[];
}

export function moveKeys(document: unknown, moves: readonly MovedKey[] = MOVED_KEYS): KeysMoved {
  let current = document;
  const moved: MovedKey[] = [];
  const problems: string[] = [];
  for (const move of moves) {
    const from = move.from.split(".");
    const to = move.to.split(".");
    const value = valueAt(current, from);
    if (value === undefined) continue;
    if (valueAt(current, to) !== undefined) {
      problems.push(`${move.from}: has moved to ${move.to}, which this file sets too: keep only ${move.to}`);
      continue;
    }
    // A new place under something that is not an object is left to validation to report.
    if (!isObject(valueAt(current, to.slice(0, -1)) ?? {})) continue;
    current = withValue(withValue(current, from, undefined), to, value);
    moved.push(move);
  }
  return { document: current, moved, problems };
}

/** What check-config and serve's log tell the admin about a key in its old place. */
export function movedKeyAdvice(move: MovedKey): string {
  return `${move.from} has moved to ${move.to}: move it there (the old place is still read, for now)`;
}

/** A validation problem's path as the file writes it: a moved key's problem names its old place. */
export function pathInFile(path: string, moved: readonly MovedKey[]): string {
  for (const move of moved) {
    if (path === move.to || path.startsWith(`${move.to}.`)) return move.from + path.slice(move.to.length);
  }
  return path;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let here = value;
  for (const key of path) {
    if (!isObject(here) || !Object.hasOwn(here, key)) return undefined;
    here = here[key];
  }
  return here;
}

/** A copy of `value` with `path` set (undefined: removed), copying only the objects on the way. */
function withValue(value: unknown, path: readonly string[], item: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return item;
  const copy: Record<string, unknown> = isObject(value) ? { ...value } : {};
  const inner = withValue(copy[key], rest, item);
  if (inner === undefined) delete copy[key];
  else copy[key] = inner;
  return copy;
}
