import type { ForgeConfig } from "../../../src/config/config.js";
import { createCommitStatusTransport } from "../../../src/forges/status/commit-status-transport.js";
import type { CommitStatusPayload } from "../../../src/forges/status/format-commit-status.js";
import { chatTransportContract } from "../../../test/contracts/chat-transport-contract.js";
import { FakeForge, type ForgeKind } from "../../fakes/fake-forge.js";

/** Each Git host's commit-status transport against the fake host, through the shared Transport contract. */

const SHA = "0123456789abcdef0123456789abcdef01234567";

for (const kind of ["github", "gitea", "gitlab"] as const satisfies readonly ForgeKind[]) {
  chatTransportContract(`the ${kind} commit-status transport`, async () => {
    const forge = await FakeForge.start();
    forge.knownRepos = new Set(["acme/app"]);
    const config: ForgeConfig = {
      kind,
      apiUrl: forge.apiUrl(kind),
      token: "status-token-0123456789",
      webhookSecret: null,
      statusContext: "slashbuild",
      mattermostUsers: {},
    };
    const status = (repo: string): CommitStatusPayload => ({
      forge: kind,
      repo,
      sha: SHA,
      state: "pending",
      targetUrl: "http://ci.example.com/builds/1",
      description: "#1 queued",
      context: "slashbuild",
    });
    let stopped = false;
    return {
      transport: createCommitStatusTransport({ forges: { [kind]: config }, timeoutMs: 1_000 }),
      payload: status("acme/app"),
      refusedPayload: status("acme/unknown"),
      stored: () => forge.accepted().length,
      async rateLimitNext() {
        forge.script.push({
          status: 429,
          headers: { "retry-after": "7" },
          body: '{"message":"rate limited"}',
        });
        return { retryAfterSeconds: 7 };
      },
      outage(outage) {
        forge.outage = outage;
      },
      async stopPeer() {
        stopped = true;
        await forge.close();
      },
      async close() {
        if (!stopped) await forge.close();
      },
    };
  });
}
