import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ForgeConfig } from "../../../src/config/config.js";
import { decodeWebhook } from "../../../src/forges/decode-webhook.js";
import { matchSecret } from "../../../src/forges/verify-signature.js";
import { webhookHeaders } from "../../fakes/fake-forge.js";
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
const github = config.forges?.github as ForgeConfig;
const gitlab = config.forges?.gitlab as ForgeConfig;
const pushExample = githubExamples("push").find((e) => e.ref === "refs/heads/master");

function decode(forge: ForgeConfig, event: string, payload: unknown, secret: string | null, tamper = false) {
  const body = JSON.stringify(payload);
  const headers = webhookHeaders(forge.kind, event, body, secret);
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

  it("matchSecret: a Gitea signature is the bare hex HMAC; empty headers are no signature", () => {
    const body = Buffer.from('{"a":1}');
    const headers = webhookHeaders("gitea", "push", body.toString(), SECRET);
    expect(matchSecret("gitea", (n) => headers[n], body, [OTHER, SECRET])).toBe(1);
    const unsigned = webhookHeaders("gitea", "push", body.toString(), null);
    expect(unsigned["x-gitea-signature"]).toBe("");
    expect(matchSecret("gitea", (n) => unsigned[n], body, [SECRET])).toBeNull();
  });
});
