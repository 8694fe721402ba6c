import type { Logger } from "pino";
import type { BuildbotConfig } from "../../config/buildbot-schema.js";
import { WWW_STUB_PAGE } from "./www-stub.js";

export interface WebUiCheckOptions {
  readonly buildbot: Pick<BuildbotConfig, "url" | "webUi" | "requestTimeoutMs">;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger | undefined;
}

/**
 * Whether the master serves Buildbot's own web UI, so that posts and build pages may link to a
 * build's page there (core/backend-link.ts). `buildbot.web_ui: true/false` says so; `auto` asks
 * the master once, at the first build slashbuild follows (recovery at start): its root page is
 * the UI's, unless it is the www stub Debian needs, whose page says "Buildbot REST API only".
 * Until the master has answered, nothing is known and nothing is linked; a definite answer is kept.
 */
export class WebUiCheck {
  readonly #options: WebUiCheckOptions;
  #known: boolean | null;
  #asking: Promise<boolean | null> | null = null;

  constructor(options: WebUiCheckOptions) {
    this.#options = options;
    const setting = options.buildbot.webUi;
    this.#known = setting === "auto" ? null : setting;
  }

  /** true: the UI is there; false: it is not; null: the master did not say (asked again next time). */
  known(): Promise<boolean | null> {
    if (this.#known !== null) return Promise.resolve(this.#known);
    this.#asking ??= this.#ask().finally(() => {
      this.#asking = null;
    });
    return this.#asking;
  }

  async #ask(): Promise<boolean | null> {
    const { url, requestTimeoutMs } = this.#options.buildbot;
    let answer: boolean | null;
    try {
      const response = await (this.#options.fetch ?? fetch)(`${url}/`, {
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const body = await response.text();
      // 404: a master with no page at its root has no UI either; 5xx says nothing yet.
      answer = response.ok ? !body.includes(WWW_STUB_PAGE) : response.status < 500 ? false : null;
    } catch {
      answer = null;
    }
    if (answer === null) return null;
    this.#known = answer;
    this.#options.logger?.info(
      { url, webUi: answer, configKey: "buildbot.web_ui" },
      answer
        ? `Buildbot at ${url} serves its web UI: posts and build pages link to its build pages`
        : `Buildbot at ${url} serves no web UI (REST API only): posts and build pages link to slashbuild's build page only`,
    );
    return answer;
  }
}
