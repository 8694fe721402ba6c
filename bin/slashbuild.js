#!/usr/bin/env node
// Entry point for `npx slashbuild`. The TypeScript sources are compiled to dist/ by `npm ci`
// (the `prepare` script), so no extra build step stands between a fresh clone and this file.
import { runCli } from "../dist/cli/index.js";

process.exitCode = await runCli(process.argv.slice(2));
