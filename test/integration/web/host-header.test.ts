import { afterEach, describe, expect, it } from "vitest";
import { WebApp } from "../../helpers/web-app.js";
import { csrfOf, webClient } from "../../helpers/web-inject.js";

/**
 * Issue 8, item 6: the web UI answers only for public_url's host, the listen address and loopback
 * names. The attack: a DNS-rebinding page sends its own name as Host and as Origin, so the Origin
 * check (Origin == this request's host) passes; unit test web-auth.test.ts shows that layer alone
 * accepting it, this one shows the Host gate refusing it first.
 */

const RUNNING = [`echo started; while [ ! -f "$GATE/never" ]; do sleep 0.05; done`];
let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

describe("Host header", () => {
  it("serves public_url's host, the listen address and loopback names, and refuses others with 421", async () => {
    web = await WebApp.start();
    const { inject } = webClient(web);
    for (const host of ["ci.example.com:8080", "CI.example.com", "127.0.0.1:9", "localhost", "[::1]:8080"]) {
      expect((await inject({ url: "/", headers: { host } })).statusCode, host).toBe(200);
    }
    for (const host of [
      "evil.example",
      "evil.example:8080",
      "ci.example.com.evil.example",
      "a@ci.example.com",
    ]) {
      const response = await inject({ url: "/", headers: { host, accept: "text/html" } });
      expect(`${host} ${response.statusCode}`).toBe(`${host} 421`);
      expect(response.body).toContain("http://ci.example.com:8080");
    }
    // Unknown paths too: a rebinding page learns nothing, not even what exists.
    expect((await inject({ url: "/api/builds/1", headers: { host: "evil.example" } })).statusCode).toBe(421);
  });

  it("refuses a DNS-rebinding-shaped Stop (Origin and Host both the attacker's) from a signed-in browser", async () => {
    web = await WebApp.start({ commands: RUNNING, users: { bob: "pw-bob" } });
    const client = webClient(web);
    const build = await web.requestBuild();
    await web.waitForStatus(build.id, (b) => b.status === "running");
    const cookie = await client.signIn("bob", "pw-bob");
    const page = await client.inject({ url: `/builds/${build.id}`, headers: { cookie } });
    const stop = await client.inject({
      method: "POST",
      url: `/builds/${build.id}/stop`,
      headers: { cookie, host: "rebind.evil.example:8080", origin: "http://rebind.evil.example:8080" },
      payload: { csrf: csrfOf(page.body) },
    });
    expect(stop.statusCode).toBe(421);
    expect(web.build(build.id).status).toBe("running");
  });
});
