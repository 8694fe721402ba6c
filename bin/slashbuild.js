#!/usr/bin/env node
// The command line, `node bin/slashbuild.js` in a clone (the unit starts it directly too). The TypeScript sources are compiled to dist/ by `npm ci`
// (the `prepare` script), so no extra build step stands between a fresh clone and this file.
import { runCli } from "../dist/cli/index.js";

process.exitCode = await runCli(process.argv.slice(2));
