import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";

/** Issue 21's keys: repos.<name>.artifacts, the artifacts: caps and retention.artifacts. */

const MINIMAL = `
public_url: http://ci.example.com:8080/
mattermost: {token: s3cret}
repos:
  app:
    url: ./repo.git
    commands: [make]
`;

function parse(text: string) {
  return parseConfig(text, { baseDir: "/srv/slashbuild", env: {} });
}

describe("the artifacts keys", () => {
  it("reads the globs, the caps and their retention, with defaults", () => {
    const config = parse(
      `${MINIMAL}    artifacts: ["./dist/*.tar.gz", "coverage/**"]\nartifacts: {max_file_size: 5MB}\nretention: {artifacts: 2d}\n`,
    );
    expect(config.repos.app?.artifacts).toEqual(["dist/*.tar.gz", "coverage/**"]);
    expect(config.artifacts).toEqual({ maxFileBytes: 5_000_000, maxBuildBytes: 500_000_000, maxFiles: 200 });
    expect(config.retention.artifactsMs).toBe(2 * 86_400_000);
    const plain = parse(MINIMAL);
    expect(plain.repos.app?.artifacts).toEqual([]);
    expect(plain.retention.artifactsMs).toBe(7 * 86_400_000);
  });

  it.each([
    ["/etc/shadow", /absolute/],
    ["~/.ssh/id_rsa", /absolute/],
    ["../data/slashbuild.db", /climbs out/],
    ["dist/../../x", /climbs out/],
    ["!dist/*.map", /negation/],
    ["./", /names no file/],
    ["dist/\u0007bell", /control character/],
  ])("refuses the hostile glob %j", (glob, why) => {
    expect(() => parse(`${MINIMAL}    artifacts: [${JSON.stringify(glob)}]\n`)).toThrow(why);
    expect(() => parse(`${MINIMAL}    artifacts: [${JSON.stringify(glob)}]\n`)).toThrow(
      /repos\.app\.artifacts\.0/,
    );
  });

  it("refuses artifacts on a Buildbot repo, saying they are the embedded runner's", () => {
    const buildbot = `buildbot: {url: "http://127.0.0.1:8010", username: u, password: p, status_secret: s}\n`;
    const text = `${MINIMAL}    backend: buildbot\n    artifacts: [dist/*]\n${buildbot}`;
    expect(() => parse(text)).toThrow(
      /repos\.app\.artifacts: artifacts are kept by the embedded runner only/,
    );
  });
});
