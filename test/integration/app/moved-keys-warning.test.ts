import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type App, createApp } from "../../../src/app.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { makeTempDir, removeDir } from "../../helpers/git-repo.js";

/** serve says, in its log at every start, how to update a file that writes a key in its old place. */

let app: App | null = null;
let dir: string | null = null;
afterEach(async () => {
  await app?.close();
  if (dir) await removeDir(dir);
  app = null;
  dir = null;
});

async function warningsFor(access: Record<string, unknown>): Promise<{ msg: string; configKey?: string }[]> {
  dir = await makeTempDir("slashbuild-moved-");
  const config = parseConfig(
    stringify({
      public_url: "http://ci.example.com",
      data_dir: dir,
      runner: { sandbox: "none" },
      ...access,
      repos: { app: { url: "/nonexistent/app.git", commands: ["true"] } },
    }),
    { baseDir: dir, env: {} },
  );
  const lines: { msg: string; configKey?: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  app = await createApp(config, { logger: pino({ level: "warn" }, stream) });
  return lines.filter((line) => line.msg.includes("has moved"));
}

describe("keys in their old place, at start", () => {
  it("are read, and each is named in a warning that says where it goes now", async () => {
    expect(
      await warningsFor({ mattermost: { token: "t", channels: ["ci"], admins: ["alice"] } }),
    ).toMatchObject([
      {
        configKey: "mattermost.channels",
        msg: expect.stringContaining("has moved to access.channels: move it there"),
      },
      {
        configKey: "mattermost.admins",
        msg: expect.stringContaining("has moved to access.admins: move it there"),
      },
    ]);
    expect(app?.config.access).toEqual({ channels: ["ci"], admins: ["alice"] });
  });

  it("say nothing once the file is up to date", async () => {
    expect(
      await warningsFor({ mattermost: { token: "t" }, access: { channels: ["ci"], admins: ["alice"] } }),
    ).toEqual([]);
  });
});
