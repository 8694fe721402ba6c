import { afterEach } from "vitest";
import { makeTempDir, removeDir } from "./git-repo.js";

/**
 * A maker of fresh temp dirs that are removed after each test, whatever it did: call it at the
 * top of a test file (or a describe), then `await newDir()` inside a test.
 */
export function tempDirPerTest(prefix: string): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    for (const dir of made.splice(0)) await removeDir(dir);
  });
  return async () => {
    const dir = await makeTempDir(prefix);
    made.push(dir);
    return dir;
  };
}
