import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArtifactShelf } from "../../../../src/backends/local/artifacts/artifact-shelf.js";
import { type ArtifactManifest, parseArtifactManifest } from "../../../../src/core/artifacts.js";
import { Harness } from "./harness.js";

/**
 * A hostile build on the real runner tries to make slashbuild keep what is not its own: links to
 * slashbuild's data_dir and to /, a hard link to /etc/shadow, a FIFO. In the sandbox and without
 * it, only its own file is kept; the rest is listed as refused, and nothing kept holds the
 * witness or the shadow file. (In the sandbox the hard link cannot even be made: the system is
 * another mount; as root without it, it can, and the collector is what refuses it.)
 */

const WITNESS = "slashbuild-data-dir-witness-4e9b";

const HOSTILE = [
  "mkdir -p dist && echo own > dist/own.txt",
  // dist/ is data_dir/workspaces/<id>/dist on the host: three levels up is data_dir.
  "ln -s ../../../slashbuild.db dist/db.lnk && ln -s / dist/root && mkfifo dist/fifo",
  'ln /etc/shadow dist/shadow.hard 2> "$OUT/hard-link.err" || true',
];

describe.each(["bwrap", "none"])("a hostile build's artifacts, runner.sandbox: %s", (sandbox) => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("keeps only the build's own file, lists the rest as refused, then reports the finish", async () => {
    h = await Harness.create({
      repos: { app: { commands: HOSTILE, artifacts: ["dist/**"] } },
      runner: { sandbox },
    });
    await writeFile(path.join(h.dataDir, "slashbuild.db"), WITNESS);
    const build = await h.start("app");
    const finished = await h.events.finished(build.id);
    expect(finished.status).toBe("succeeded");

    const shelf = new ArtifactShelf(h.dataDir);
    const manifest = parseArtifactManifest(
      JSON.parse(await readFile(shelf.manifestPath(build.id), "utf8")),
    ) as ArtifactManifest;
    expect(manifest.kept.map((kept) => kept.path)).toEqual(["dist/own.txt"]);
    const refused = Object.fromEntries(manifest.refused.map((r) => [r.path, r.reason]));
    expect(refused["dist/db.lnk"]).toMatch(/symbolic link/);
    expect(refused["dist/root"]).toMatch(/symbolic link/);
    expect(refused["dist/fifo"]).toBe("is not a regular file");
    const shadow = readFileSync("/etc/shadow", "utf8");
    if (sandbox === "none") expect(refused["dist/shadow.hard"]).toMatch(/hard links/);
    else
      expect(await h.readOut("hard-link.err")).toMatch(
        /cross-device|Invalid cross-device|Operation not permitted/,
      );
    for (const kept of manifest.kept) {
      const stored = await readFile(shelf.filePath(build.id, kept.file), "utf8");
      expect(stored).toBe("own\n");
      expect(stored).not.toContain(WITNESS);
      expect(stored).not.toContain(shadow.slice(0, 20));
    }
    // The summary is recorded before the finish, so the finish post can link the files.
    const events = h.events.of(build.id).map((event) => event.type);
    expect(events.slice(-2)).toEqual(["external", "finished"]);
    expect(h.events.of(build.id).at(-2)).toMatchObject({ external: { artifacts: { files: 1, bytes: 4 } } });
  });
});
