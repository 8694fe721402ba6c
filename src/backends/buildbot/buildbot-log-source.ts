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
 * Step output for the build pages, read from Buildbot's REST API (`logs/{id}/raw`). Buildbot keeps
 * the logs; slashbuild does not copy them. The master already redacts secrets it rendered; the
 * secrets slashbuild knows are masked again here in case a command printed one some other way.
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
    const texts = await Promise.all(logs.map((log) => this.#client.rawLog(log.logid)));
    const text =
      logs.length === 1
        ? (texts[0] ?? "")
        : logs.map((log, i) => `--- ${log.name} ---\n${texts[i]}`).join("\n");
    return maskText(text, this.#secrets ?? Object.values(repo.secrets));
  }
}
