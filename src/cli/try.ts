import { setTimeout as sleep } from "node:timers/promises";
import { REFUSAL_HEADER } from "../chat/mattermost/slash-route.js";
import { loadConfig } from "../config/load-config.js";
import type { Build } from "../core/build.js";
import { isFinal, STATUS_WORDS } from "../core/build.js";
import { SlashbuildError } from "../core/errors.js";
import { type CliArgs, type CliIo, stringValue, usageError } from "./cli-io.js";

/**
 * `slashbuild try "/build demo"`: sends the text to the running service exactly as Mattermost
 * would (form-encoded POST with the command token), prints the answer, then follows the build it
 * queued until it finishes. Exercises the whole path without a Mattermost. Exits 0 when the answer
 * is not a refusal and the build (if any) succeeded.
 */
export async function tryCommand(args: CliArgs, io: CliIo): Promise<number> {
  const file = stringValue(args, "config") ?? "examples/slashbuild.yaml";
  const text = args.positionals.join(" ");
  const [trigger, ...words] = text.trim().split(/\s+/);
  if (!trigger?.startsWith("/"))
    throw usageError('try needs a slash command, e.g. slashbuild try "/build demo"');
  const config = loadConfig(file, { env: args.env });
  const host = config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host;
  const base = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${config.listen.port}`;
  const token = config.mattermost.tokens[0] ?? "";
  const form = new URLSearchParams({
    channel_id: "try-channel",
    channel_name: config.access.channels?.[0] ?? "town-square",
    command: trigger.toLowerCase(),
    team_domain: "try",
    team_id: "try-team",
    text: words.join(" "),
    token,
    user_id: "try-user",
    user_name: process.env.USER ?? "you",
  });
  let response: Response;
  try {
    response = await fetch(`${base}/mattermost/command`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Token ${token}` },
      body: form,
    });
  } catch {
    throw new SlashbuildError(
      "SERVICE_UNREACHABLE",
      `nothing answers at ${base}; start the service first: slashbuild serve --config ${file}`,
    );
  }
  const answer = (await response.json()) as { text?: string; message?: string };
  io.out.write(`${answer.text ?? answer.message ?? JSON.stringify(answer)}\n`);
  if (response.status !== 200) return 1;
  const refused = response.headers.get(REFUSAL_HEADER);
  if (refused) {
    io.err.write(`slashbuild: the service refused it (${refused}, see docs/errors.md)\n`);
    return 1;
  }
  const id = /Queued build \[#(\d+)\]/.exec(answer.text ?? "")?.[1];
  return id ? follow(base, id, config.publicUrl, io) : 0;
}

/** Prints each change of the build's status until it finishes; 0 when it succeeded. */
async function follow(base: string, id: string, publicUrl: string, io: CliIo): Promise<number> {
  let last = "";
  for (;;) {
    const response = await fetch(`${base}/api/builds/${id}`);
    if (response.status === 401) {
      // web.read: signed_in (the default): the build's progress is for signed-in browsers only.
      io.out.write(`Follow it at ${publicUrl}/builds/${id} (sign in first: web.read is signed_in).\n`);
      return 0;
    }
    const build = (await response.json()) as Build;
    const line = `#${build.id} ${STATUS_WORDS[build.status]}${build.failingStep ? ` at ${build.failingStep}` : ""}`;
    if (line !== last) io.out.write(`${line}\n`);
    last = line;
    if (isFinal(build.status)) {
      io.out.write(`${publicUrl}/builds/${build.id}\n`);
      return build.status === "succeeded" ? 0 : 1;
    }
    await sleep(250);
  }
}
