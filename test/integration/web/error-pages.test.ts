import { afterEach, describe, expect, it } from "vitest";
import { WebApp } from "../../helpers/web-app.js";

/** What a browser and an API client get for an unknown path or a refused page. */

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("error pages", () => {
  it("gives a browser an HTML 404 for an unknown path, in the site's layout", async () => {
    web = await WebApp.start();
    const response = await web.app.server.inject({ url: "/no/such/page", headers: { accept: BROWSER } });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toContain("text/html");
    expect(response.body).toContain("<h1>Not found</h1>");
    expect(response.body).toContain("the build list is at /.");
    // The web UI's headers, as on every page.
    expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
  });

  it("keeps JSON for clients that do not ask for HTML", async () => {
    web = await WebApp.start();
    for (const accept of ["application/json", "*/*", undefined]) {
      const response = await web.app.server.inject({
        method: "POST",
        url: "/no/such/hook",
        ...(accept ? { headers: { accept } } : {}),
      });
      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toContain("application/json");
      expect(response.json()).toMatchObject({ error: "NOT_FOUND" });
    }
  });

  it("shows code in a message as code, not as literal backticks", async () => {
    web = await WebApp.start();
    const response = await web.app.server.inject({ url: "/builds/999", headers: { accept: BROWSER } });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain("<code>/build status</code> lists recent builds.");
    expect(response.body).not.toContain("`");
  });
});
