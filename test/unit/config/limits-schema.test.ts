import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";

/** Issue 18's keys: limits.disk, limits.tmpfs, limits.cpu_weight and runner.workspaces_dir. */

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

describe("the limits keys", () => {
  it("reads disk, tmpfs and cpu_weight for the runner and per repo, key by key, null turning one off", () => {
    const config = parse(
      `${MINIMAL}    limits: {disk: null, cpu_weight: 50}\nrunner: {limits: {disk: 2GiB, tmpfs: 256MiB, cpu_weight: 200}}\n`,
    );
    expect(config.runner.limits).toEqual({
      diskBytes: 2 * 1024 ** 3,
      tmpfsBytes: 256 * 1024 ** 2,
      cpuWeight: 200,
    });
    expect(config.repos.app?.limits).toEqual({ diskBytes: null, cpuWeight: 50 });
  });

  it("leaves unset keys out, so the defaults apply", () => {
    expect(parse(MINIMAL).runner.limits).toEqual({});
  });

  it("refuses a size that is not one and a CPU weight outside cgroup v2's 1 to 10000", () => {
    expect(() => parse(`${MINIMAL}runner: {limits: {disk: lots}}\n`)).toThrow(
      /runner\.limits\.disk: "lots" is not a size/,
    );
    expect(() => parse(`${MINIMAL}runner: {limits: {tmpfs: -1}}\n`)).toThrow(/runner\.limits\.tmpfs/);
    expect(() => parse(`${MINIMAL}runner: {limits: {cpu_weight: 0}}\n`)).toThrow(
      /runner\.limits\.cpu_weight/,
    );
    expect(() => parse(`${MINIMAL}    limits: {cpu_weight: 10001}\n`)).toThrow(
      /repos\.app\.limits\.cpu_weight/,
    );
  });
});

describe("runner.workspaces_dir", () => {
  it("is data_dir/workspaces by default, and resolved against the config file's folder when set", () => {
    expect(parse(MINIMAL).runner.workspacesDir).toBe("/srv/slashbuild/data/workspaces");
    expect(parse(`${MINIMAL}data_dir: /var/lib/sb\n`).runner.workspacesDir).toBe("/var/lib/sb/workspaces");
    expect(parse(`${MINIMAL}runner: {workspaces_dir: ../ws}\n`).runner.workspacesDir).toBe("/srv/ws");
    expect(parse(`${MINIMAL}runner: {workspaces_dir: /mnt/ws}\n`).runner.workspacesDir).toBe("/mnt/ws");
  });

  it("refuses a folder that is data_dir, holds it, or lies in its git/ or logs/", () => {
    for (const clash of ["./data", ".", "/", "./data/git/ws", "./data/logs"]) {
      expect(() => parse(`${MINIMAL}runner: {workspaces_dir: "${clash}"}\n`)).toThrow(
        /runner\.workspaces_dir: .*pick a folder of its own/,
      );
    }
    expect(parse(`${MINIMAL}runner: {workspaces_dir: ./data/ws}\n`).runner.workspacesDir).toBe(
      "/srv/slashbuild/data/ws",
    );
  });
});
