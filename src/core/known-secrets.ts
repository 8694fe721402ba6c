import type { Config } from "../config/config.js";
import { maskText } from "./mask-secrets.js";

/**
 * Every secret slashbuild knows, for masking (issue 8): the slash tokens, the bot token, the button
 * key, the web session secret and Mattermost sign-in client secret, the metrics and API tokens, the Buildbot
 * password and status secret, every Git host's API token and webhook secret, and every repo's
 * secrets, webhook secret and deploy environments' secrets.
 * One list for every place text leaves the service (build logs, chat posts, failure excerpts,
 * pages, the service log), so a secret added to the config is masked everywhere at once. All
 * repos' secrets are masked in every repo's output: a build may print another repo's secret only
 * if it stole it, and that is exactly when it must not be shown.
 */
export function knownSecrets(config: Config): string[] {
  const { mattermost, web, buildbot } = config;
  const values = [
    ...mattermost.tokens,
    mattermost.botToken,
    mattermost.actionSecret,
    web.sessionSecret,
    web.mattermostSignIn?.clientSecret,
    config.metrics.token,
    ...(config.api?.tokens ?? []).map((api) => api.token),
    buildbot?.password,
    buildbot?.statusSecret,
    ...(buildbot?.workers ?? []).map((worker) => worker.password),
    ...Object.values(config.forges ?? {}).flatMap((forge) => [forge.token, forge.webhookSecret]),
    ...Object.values(config.repos).flatMap((repo) => [...Object.values(repo.secrets), repo.webhookSecret]),
    ...Object.values(config.repos).flatMap((repo) =>
      Object.values(repo.deploy?.environments ?? {}).flatMap((environment) =>
        Object.values(environment.secrets),
      ),
    ),
  ];
  return [...new Set(values.filter((value): value is string => typeof value === "string" && value !== ""))];
}

/** Masks every string inside a JSON-shaped value (a chat payload), keys included. */
export function maskDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return maskText(item, secrets);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === "object") {
      return Object.fromEntries(
        Object.entries(item).map(([key, inner]) => [maskText(key, secrets), walk(inner)]),
      );
    }
    return item;
  };
  return walk(value) as T;
}
