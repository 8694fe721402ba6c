import type { Config } from "../../config/config.js";
import type { Build } from "../../core/build.js";
import { maskText } from "../../core/mask-secrets.js";
import type { LogSource } from "../../core/ports.js";
import type { BuildbotClient } from "./buildbot-client.js";
import { buildbotStepNames } from "./step-names.js";

export interface BuildbotLogSourceOptions {
  readonly client: BuildbotClient;
  readonly config: Config;
  /** Every secret slashbuild knows (core/known-secrets.ts); default: this repo's secrets only. */
  readonly secrets?: readonly string[];
}

/**
 * Step output for the build pages, read from Buildbot's REST API. Buildbot keeps the logs;
 * slashbuild does not copy them. The master already redacts secrets it rendered; the secrets
 * slashbuild knows are masked again here in case a command printed one some other way.
 *
 * Read from `logs/{id}/contents`, not `/raw`: a stream log's lines there start with their stream,
 * and `h` marks Buildbot's own header around each command (the command line, "in dir", argv,
 * "using PTY: False", the exit code, elapsedTime), which `/raw` mixes with the output. Those lines
 * are kept but printed faint (SGR 2), as Buildbot's UI shows them: faint text is never taken for an
 * error, so a failed build's page opens on the command's output, not on its header.
 */
export class BuildbotLogSource implements LogSource {
  readonly #client: BuildbotClient;
  readonly #config: Config;
  readonly #secrets: readonly string[] | null;

  constructor(options: BuildbotLogSourceOptions) {
    this.#client = options.client;
    this.#config = options.config;
    this.#secrets = options.secrets ?? null;
  }

  async read(build: Build, stepIndex: number): Promise<string | null> {
    const buildid = build.external.buildid;
    const repo = Object.hasOwn(this.#config.repos, build.repo) ? this.#config.repos[build.repo] : undefined;
    if (typeof buildid !== "number" || !repo) return null;
    const name = buildbotStepNames(repo.commands)[stepIndex];
    if (name === undefined) return null;
    const step = (await this.#client.steps(buildid)).find((s) => s.name === name);
    if (!step) return null;
    const logs = await this.#client.logs(step.stepid);
    // ShellCommand writes one "stdio" log; other steps may have several, shown one after another.
    const texts = await Promise.all(
      logs.map(async (log) => readable(await this.#client.logContent(log.logid), log.type)),
    );
    const text =
      logs.length === 1
        ? (texts[0] ?? "")
        : logs.map((log, i) => `--- ${log.name} ---\n${texts[i]}`).join("\n");
    return maskText(text, this.#secrets ?? Object.values(repo.secrets));
  }
}

/**
 * A log's content as a person reads it: a stream log's stream marks dropped, its header faint. Lines
 * are split at newlines only: a progress bar's carriage returns stay inside its line.
 */
export function readable(content: string, type: string | undefined): string {
  if (type !== "s") return content;
  return content
    .split("\n")
    .map((line) => (line.startsWith("h") ? `\x1b[2m${line.slice(1)}\x1b[22m` : line.slice(1)))
    .join("\n");
}
