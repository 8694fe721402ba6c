import type { LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { WebApp } from "../../helpers/web-app.js";
import { webClient } from "../../helpers/web-inject.js";

/**
 * Status badges (issue 21) from real builds, under the default web.read: signed_in. The attack a
 * badge invites: anyone asks /badge/<name>/<branch>.svg to learn whether a private repo or branch
 * exists and how its builds went. With public_badge off the repo's badges must be the very answer a
 * repo that does not exist gets; turned on, they show the verdicts (the attack "succeeds", by choice).
 */

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

/** What a client can tell answers apart by: everything but the date. */
function visible(answer: LightMyRequestResponse) {
  const { date: _date, ...headers } = answer.headers;
  return { status: answer.statusCode, headers, body: answer.body };
}

describe("badges", () => {
  it.each([
    ["off", false],
    ["on", true],
  ])(
    "public_badge %s",
    async (_state, on) => {
      web = await WebApp.start({
        read: "signed_in",
        users: { bob: "pw-bob" },
        // main passes, feature/x fails: one repo, real builds, two verdicts.
        commands: ['test "$SLASHBUILD_BRANCH" = main'],
        repoExtra: { public_badge: on },
      });
      await web.repo.createBranch("feature/x");
      const main = await web.requestBuild("main");
      const feature = await web.requestBuild("feature/x");
      await web.waitForStatus(main.id, (b) => b.status === "succeeded");
      await web.waitForStatus(feature.id, (b) => b.status === "failed");
      const client = webClient(web);
      const badge = (url: string, headers: Record<string, string> = {}) => client.inject({ url, headers });

      const passing = await badge("/badge/app/main.svg");
      const failing = await badge("/badge/app/feature/x.svg");
      const unknowns = await Promise.all(
        [
          "/badge/app/never-built.svg",
          "/badge/nope/main.svg",
          "/badge/__proto__/main.svg",
          "/badge/app/main.svg.svg",
        ].map((url) => badge(url)),
      );
      for (const answer of [passing, failing, ...unknowns]) {
        expect(answer.statusCode).toBe(200);
        expect(answer.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
        expect(answer.headers["cache-control"]).toBe("public, max-age=60");
        expect(answer.headers["x-content-type-options"]).toBe("nosniff");
        expect(answer.headers["content-security-policy"]).toContain("default-src 'none'");
        expect(answer.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      }
      const unknown = visible(unknowns[0] as LightMyRequestResponse);
      expect(unknown.body).toContain("build: unknown");
      for (const other of unknowns) expect(visible(other)).toEqual(unknown);
      if (on) {
        expect(passing.body).toContain("build: passing");
        expect(failing.body).toContain("build: failing");
      } else {
        // Nothing tells this repo, its branches or its builds from a repo that does not exist.
        expect(visible(passing)).toEqual(unknown);
        expect(visible(failing)).toEqual(unknown);
      }
      // The same for everyone, signed in or not: a shared cache may keep it.
      const cookie = await client.signIn("bob", "pw-bob");
      expect(visible(await badge("/badge/app/main.svg", { cookie }))).toEqual(visible(passing));
      // Not a badge address: a 404 that says what one looks like, whatever the repo.
      const wrong = await badge("/badge/app/main.png");
      expect(wrong.statusCode).toBe(404);
      expect(wrong.json()).toMatchObject({ message: expect.stringContaining("/badge/<repo>/<branch>.svg") });
    },
    60_000,
  );
});
