import { open } from "node:fs/promises";
import { readText } from "./workspace-files.js";

/**
 * Where a step's log first names each failed test, so the build page can link a failure to its
 * output (`#L<step>-<line>`, 1-based lines as the page counts them). The log is read once, a chunk
 * at a time, for all the names together; a name is looked for whole, then by its last part (Vitest
 * and Jest join the describe blocks with " > ", pytest the module with "::"), since a runner's own
 * output may print only that. Names not found have no line. Terminal colours are ignored.
 */

export async function findTestLines(
  logFile: string,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const wanted = new Map<string, string[]>();
  const add = (needle: string, name: string) => {
    if (needle.trim().length < 3) return;
    wanted.set(needle, [...(wanted.get(needle) ?? []), name]);
  };
  for (const name of new Set(names)) {
    add(name, name);
    const leaf = lastPart(name);
    if (leaf !== name) add(leaf, name);
  }
  const found = new Map<string, number>();
  if (wanted.size === 0) return found;
  const keep = Math.max(...[...wanted.keys()].map((needle) => needle.length)) - 1;
  const whole = new Map<string, number>();
  const partial = new Map<string, number>();
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(logFile, "r");
  } catch {
    return found;
  }
  try {
    let carry = "";
    let carryLine = 1;
    for await (const chunk of readText(handle, Number.MAX_SAFE_INTEGER).chunks) {
      if (signal?.aborted) break;
      const text = carry + stripAnsi(chunk);
      for (const [needle, owners] of wanted) {
        const at = text.indexOf(needle);
        if (at === -1) continue;
        const line = carryLine + countNewlines(text, at);
        for (const owner of owners) (needle === owner ? whole : partial).set(owner, line);
        wanted.delete(needle);
      }
      if (wanted.size === 0) break;
      const cut = Math.max(0, text.length - keep);
      carryLine += countNewlines(text, cut);
      carry = text.slice(cut);
    }
  } finally {
    await handle.close();
  }
  for (const name of names) {
    const line = whole.get(name) ?? partial.get(name);
    if (line !== undefined) found.set(name, line);
  }
  return found;
}

/** "auth > logs in" → "logs in"; "tests/test_a.py::test_b" → "test_b". */
function lastPart(name: string): string {
  const parts = name.split(/ > |::/);
  return (parts.at(-1) ?? name).trim();
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let at = text.indexOf("\n"); at !== -1 && at < end; at = text.indexOf("\n", at + 1)) n++;
  return n;
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}
