import { createRequire } from "node:module";

/** GitHub's published webhook examples (@octokit/webhooks-examples), one event's list by name. */
interface WebhookDefinition {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples/api.github.com/index.json") as WebhookDefinition[];

export function githubExamples(event: string): readonly Record<string, unknown>[] {
  const found = definitions.find((definition) => definition.name === event);
  if (!found) throw new Error(`no GitHub example for ${event}`);
  return found.examples;
}
