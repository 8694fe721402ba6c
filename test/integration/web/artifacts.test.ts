import { afterEach, describe, expect, it } from "vitest";
import { artifactSummary } from "../../../src/core/artifacts.js";
import { WebApp, type WebAppOptions } from "../../helpers/web-app.js";
import { webClient } from "../../helpers/web-inject.js";

/**
 * Artifacts end to end on the embedded runner, in its sandbox: a real build writes files, some of
 * them hostile (an HTML page with a script, a symlink to /etc/passwd, its secret), and the web
 * serves what was kept under the build page's read rule, as attachments that never render.
 */

const SECRET = "artifact-secret-value-5c1d";
const COMMANDS = [
  "mkdir -p dist report 'dist/sp ace' && printf 'hello\\n' > dist/app.txt",
  "printf '<script>alert(document.cookie)</script>' > report/x.html && printf '%s\\n' \"$TOKEN\" > dist/token.txt",
  "ln -s /etc/passwd dist/passwd && printf u > 'dist/sp ace/\u00fc.txt'",
];

let web: WebApp | null = null;
afterEach(async () => {
  await web?.close();
  web = null;
});

async function built(options: WebAppOptions = {}) {
  web = await WebApp.start({
    commands: COMMANDS,
    repoExtra: { artifacts: ["dist/**", "report/*.html"], secrets: { TOKEN: SECRET } },
    ...options,
  });
  const { id } = await web.requestBuild();
  const build = await web.waitForStatus(id, (b) => b.status !== "queued" && b.status !== "running");
  expect(build.status).toBe("succeeded");
  return { web, build, client: webClient(web) };
}

describe("artifacts on the web", () => {
  it("lists what the build kept and refused on its page, and the record counts the kept files", async () => {
    const { build, client } = await built();
    expect(artifactSummary(build)).toEqual({ files: 4, bytes: 6 + 39 + 5 + 1 });
    const page = await client.inject({ url: `/builds/${build.id}` });
    expect(page.body).toContain('<h2 id="artifacts">Artifacts</h2>');
    expect(page.body).toContain(`href="/builds/${build.id}/artifacts/dist/app.txt" download`);
    expect(page.body).toContain(`href="/builds/${build.id}/artifacts/dist/sp%20ace/%C3%BC.txt" download`);
    expect(page.body).toMatch(/<code>dist\/passwd<\/code> is a symbolic link/);
    // The build's HTML is the name of a file, escaped, never markup of the page.
    expect(page.body).not.toContain("<script>alert");
  });

  it("serves each as an attachment that is never rendered, the secret masked", async () => {
    const { build, client } = await built();
    const file = await client.inject({ url: `/builds/${build.id}/artifacts/dist/app.txt` });
    expect(file.statusCode).toBe(200);
    expect(file.body).toBe("hello\n");
    expect(file.headers).toMatchObject({
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="app.txt"; filename*=UTF-8''app.txt`,
      "content-length": "6",
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox; default-src 'none'",
      "cache-control": "private, no-store",
    });
    const page = await client.inject({ url: `/builds/${build.id}/artifacts/report/x.html` });
    expect(page.headers["content-type"]).toBe("application/octet-stream");
    expect(page.headers["content-disposition"]).toMatch(/^attachment; /);
    expect(page.body).toBe("<script>alert(document.cookie)</script>");
    const token = await client.inject({ url: `/builds/${build.id}/artifacts/dist/token.txt` });
    expect(token.body).toBe("****\n");
    const named = await client.inject({ url: `/builds/${build.id}/artifacts/dist/sp%20ace/%C3%BC.txt` });
    expect(named.body).toBe("u");
    expect(named.headers["content-disposition"]).toBe(
      `attachment; filename="_.txt"; filename*=UTF-8''%C3%BC.txt`,
    );
  });

  it("answers 404 for anything that is no kept artifact, a refused symlink or a path out included", async () => {
    const { build, client } = await built();
    for (const wanted of [
      "dist/passwd",
      "..%2F..%2Fslashbuild.db",
      "../../slashbuild.db",
      "%2Fetc%2Fpasswd",
      "0",
      "manifest.json",
    ]) {
      const answer = await client.inject({ url: `/builds/${build.id}/artifacts/${wanted}` });
      expect(answer.statusCode, wanted).toBe(404);
      expect(answer.body, wanted).not.toContain("root:");
      expect(answer.body, wanted).not.toContain("SQLite format");
    }
  });

  it("follows web.read: signed_in like the build page", async () => {
    const { build, client } = await built({ read: "signed_in", users: { bob: "pw-bob-long-enough" } });
    const url = `/builds/${build.id}/artifacts/dist/app.txt`;
    const anonymous = await client.inject({ url });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain("hello");
    const cookie = await client.signIn("bob", "pw-bob-long-enough");
    const signedIn = await client.inject({ url, headers: { cookie } });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.body).toBe("hello\n");
  });
});
