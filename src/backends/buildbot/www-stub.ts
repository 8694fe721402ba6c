import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The `base` www plugin Debian does not package: without one, a master with `c['www']` (REST API,
 * change hook, login) refuses to start ("could not find buildbot-www"). A stub is enough for what
 * slashbuild uses: a module creating `buildbot.www.plugin.Application`, found through a
 * `[buildbot.www] base` entry point in an egg-info beside it. The master needs `dir` on PYTHONPATH.
 */
const WWW_STUB_MODULE = "slashbuild_www_base";

/** Writes the stub package into `dir` (created if needed) and returns `dir`, for PYTHONPATH. */
export function writeWwwStub(dir: string): string {
  const mod = path.join(dir, WWW_STUB_MODULE);
  mkdirSync(path.join(mod, "static"), { recursive: true });
  writeFileSync(
    path.join(mod, "__init__.py"),
    'from buildbot.www.plugin import Application\n\nep = Application(__name__, "slashbuild www stub (REST API only)")\n',
  );
  writeFileSync(path.join(mod, "VERSION"), "3.7.0\n");
  writeFileSync(
    path.join(mod, "static", "index.html"),
    "<!doctype html><title>buildbot</title><p>Buildbot REST API only (slashbuild www stub).</p>\n",
  );
  const egg = path.join(dir, `${WWW_STUB_MODULE}.egg-info`);
  mkdirSync(egg, { recursive: true });
  writeFileSync(
    path.join(egg, "PKG-INFO"),
    "Metadata-Version: 2.1\nName: slashbuild-www-base\nVersion: 3.7.0\n",
  );
  writeFileSync(path.join(egg, "entry_points.txt"), `[buildbot.www]\nbase = ${WWW_STUB_MODULE}:ep\n`);
  return dir;
}
