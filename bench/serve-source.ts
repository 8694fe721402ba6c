/**
 * `slashbuild` run from its TypeScript sources in a process of its own (node --import tsx), so a
 * benchmark measures the code as it is in this tree without a build step. SLASHBUILD_CLI points at
 * another tree's src/cli/index.ts to measure that one instead (e.g. a before/after comparison).
 */
const entry = process.env.SLASHBUILD_CLI ?? new URL("../src/cli/index.ts", import.meta.url).pathname;
const { runCli } = (await import(entry)) as { runCli: (argv: string[]) => Promise<number> };
process.exitCode = await runCli(process.argv.slice(2));
