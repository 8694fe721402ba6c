import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ConfiguredForge, configuredForges } from "../../../src/forges/configured-forges.js";
import { decodeWebhook } from "../../../src/forges/decode-webhook.js";
import { FORGE_HOSTS } from "../../../src/forges/forge-hosts.js";
import { type ForgeKind, webhookHeaders } from "../../fakes/fake-forge.js";
import { githubExamples } from "../../helpers/github-examples.js";
import { makeConfig } from "../../helpers/make-config.js";

const SECRET = "receiver-secret-0123456789";
const OTHER = "other-repo-secret-0123456789";

const config = makeConfig({
  forges: { github: { webhook_secret: SECRET }, gitlab: { webhook_secret: SECRET } },
  repos: {
    hello: {
      url: "https://github.com/Codertocat/Hello-World.git",
      commands: ["true"],
      forge: "github",
      on: { push: true },
    },
    other: {
      url: "https://github.com/acme/other.git",
      commands: ["true"],
      forge: "github",
      webhook_secret: OTHER,
      on: { push: true },
    },
    diaspora: {
      url: "/srv/mirror/diaspora.git",
      full_name: "mike/diaspora",
      commands: ["true"],
      forge: "gitlab",
      on: { push: true },
    },
  },
});
const repos = Object.values(config.repos);
const forges = configuredForges(config, FORGE_HOSTS);
const github = forges.get("github") as ConfiguredForge;
const gitlab = forges.get("gitlab") as ConfiguredForge;
const pushExample = githubExamples("push").find((e) => e.ref === "refs/heads/master");

function decode(
  forge: ConfiguredForge,
  event: string,
  payload: unknown,
  secret: string | null,
  tamper = false,
) {
  const body = JSON.stringify(payload);
  const headers = webhookHeaders(forge.host.name as ForgeKind, event, body, secret);
  const sent = tamper ? body.replace("Codertocat", "Codertocaz") : body;
  return decodeWebhook(forge, repos, (name) => headers[name], Buffer.from(sent), "application/json");
}

describe("webhook authentication", () => {
  it("a correctly signed GitHub push maps to the repo with that clone URL", () => {
    const decoded = decode(github, "push", pushExample, SECRET);
    expect(decoded.kind).toBe("event");
    if (decoded.kind === "event") expect(decoded.repos.map((r) => r.name)).toEqual(["hello"]);
  });

  it("no signature, a wrong secret, or a body changed after signing: unauthenticated", () => {
    expect(decode(github, "push", pushExample, null).kind).toBe("unauthenticated");
    expect(decode(github, "push", pushExample, "guessed-secret-0123456789").kind).toBe("unauthenticated");
    expect(decode(github, "push", pushExample, SECRET, true).kind).toBe("unauthenticated");
  });

  it("the check runs before parsing: garbage with a wrong signature is a 401, not a 400", () => {
    const headers = webhookHeaders("github", "push", "{}", "wrong-secret-0123456789");
    const decoded = decodeWebhook(
      github,
      repos,
      (n) => headers[n],
      Buffer.from("not json at all"),
      "application/json",
    );
    expect(decoded.kind).toBe("unauthenticated");
  });

  it("a repo's own secret cannot trigger builds of a repo that uses the receiver's secret", () => {
    // Signed with `other`'s secret but naming Hello-World: authenticated, yet no repo of that signer matches.
    expect(decode(github, "push", pushExample, OTHER)).toEqual({
      kind: "unknown_repo",
      fullName: "Codertocat/Hello-World",
    });
  });

  it("GitLab: X-Gitlab-Token must equal the secret; the project maps by full_name", () => {
    const payload = JSON.parse(
      readFileSync(new URL("../../fixtures/forges/gitlab-push.json", import.meta.url), "utf8"),
    );
    expect(decode(gitlab, "Push Hook", payload, "nope-0123456789abcdef").kind).toBe("unauthenticated");
    const decoded = decode(gitlab, "Push Hook", payload, SECRET);
    expect(decoded.kind === "event" && decoded.repos.map((r) => r.name)).toEqual(["diaspora"]);
  });

  it("an unknown repository is reported, not built", () => {
    const payload = structuredClone(pushExample) as { repository: Record<string, unknown> };
    payload.repository = {
      ...payload.repository,
      full_name: "someone/else",
      clone_url: "https://github.com/someone/else.git",
      ssh_url: null,
      html_url: null,
    };
    expect(decode(github, "push", payload, SECRET)).toEqual({
      kind: "unknown_repo",
      fullName: "someone/else",
    });
  });

  it("a GitHub or Gitea body sent as a form is read from its payload field, after the signature", () => {
    const body = new URLSearchParams({ payload: JSON.stringify(pushExample) }).toString();
    const headers = webhookHeaders("github", "push", body, SECRET);
    const decoded = decodeWebhook(
      github,
      repos,
      (name) => headers[name],
      Buffer.from(body),
      "application/x-www-form-urlencoded",
    );
    expect(decoded.kind === "event" && decoded.repos.map((r) => r.name)).toEqual(["hello"]);
  });

  it("a body that is not JSON, once signed, is a 400 that says which content type to set", () => {
    const headers = webhookHeaders("github", "push", "not json", SECRET);
    expect(() =>
      decodeWebhook(github, repos, (name) => headers[name], Buffer.from("not json"), "application/json"),
    ).toThrow(
      expect.objectContaining({
        code: "REQUEST_INVALID",
        message: expect.stringContaining("application/json"),
      }),
    );
  });
});
