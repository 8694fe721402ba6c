import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hiddenPathArgs } from "../../../../../src/backends/local/sandbox/hidden-paths.js";
import { makeTempDir, removeDir } from "../../../../helpers/git-repo.js";

describe("hiddenPathArgs", () => {
  let dir: string;
  const elsewhere = "/nonexistent/slashbuild-data";
  beforeEach(async () => {
    dir = await makeTempDir();
    await mkdir(path.join(dir, "conf"));
    await writeFile(path.join(dir, "conf", "slashbuild.yaml"), "{}\n");
    await writeFile(path.join(dir, "slashbuild.yaml"), "{}\n");
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it("hides the config file's whole directory when it lies inside a granted path (/etc/slashbuild under /etc)", () => {
    const configFile = path.join(dir, "conf", "slashbuild.yaml");
    const conf = path.join(dir, "conf");
    // An empty tmpfs, read-only: nothing a build writes there can pass for slashbuild's.
    expect(hiddenPathArgs({ dataDir: elsewhere, configFile }, [dir])).toEqual([
      "--tmpfs",
      conf,
      "--remount-ro",
      conf,
    ]);
    expect(
      hiddenPathArgs({ dataDir: elsewhere, configFile: "/etc/slashbuild/slashbuild.yaml" }, ["/usr", "/etc"]),
    ).toEqual(["--tmpfs", "/etc/slashbuild", "--remount-ro", "/etc/slashbuild"]);
  });

  it("masks only the file where its directory is a granted one itself, or the root: never /etc or /", () => {
    const configFile = path.join(dir, "slashbuild.yaml");
    expect(hiddenPathArgs({ dataDir: elsewhere, configFile }, [dir])).toEqual([
      "--ro-bind",
      "/dev/null",
      configFile,
    ]);
    expect(hiddenPathArgs({ dataDir: elsewhere, configFile: "/etc/slashbuild.yaml" }, ["/etc"])).toEqual([
      "--ro-bind",
      "/dev/null",
      "/etc/slashbuild.yaml",
    ]);
    // (data_dir, under / too, stays hidden as well.)
    expect(hiddenPathArgs({ dataDir: elsewhere, configFile: "/slashbuild.yaml" }, ["/"])).toEqual([
      "--ro-bind",
      "/dev/null",
      elsewhere,
      "--ro-bind",
      "/dev/null",
      "/slashbuild.yaml",
    ]);
  });

  it("hides nothing the sandbox does not mount anyway (a config in the repo's examples/, say)", () => {
    const configFile = path.join(dir, "conf", "slashbuild.yaml");
    expect(hiddenPathArgs({ dataDir: path.join(dir, "data"), configFile }, ["/usr", "/etc"])).toEqual([]);
  });

  it("follows links to the real directory, and hides data_dir under a grant as before", async () => {
    await symlink(path.join(dir, "conf"), path.join(dir, "link"));
    await mkdir(path.join(dir, "data"));
    const configFile = path.join(dir, "link", "slashbuild.yaml");
    expect(hiddenPathArgs({ dataDir: path.join(dir, "data"), configFile }, [dir])).toEqual([
      "--tmpfs",
      path.join(dir, "data"),
      "--remount-ro",
      path.join(dir, "data"),
      "--tmpfs",
      path.join(dir, "conf"),
      "--remount-ro",
      path.join(dir, "conf"),
    ]);
  });
});
