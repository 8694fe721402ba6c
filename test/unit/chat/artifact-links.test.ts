import { describe, expect, it } from "vitest";
import { type ConsolePost, consoleFormatter } from "../../../src/chat/console/console-formatter.js";
import { formatBuildFinished } from "../../../src/chat/mattermost/format-build-message.js";
import { formatFinishReply, formatRootPost } from "../../../src/chat/mattermost/format-build-post.js";
import { artifactSummary } from "../../../src/core/artifacts.js";
import { makeBuild } from "../../fakes/make-build.js";
import { makeConfig } from "../../helpers/make-config.js";

/** Issue 21: the finish post links the build's kept artifacts, in every chat's words. */

const URL = "http://ci.example.com:8080";
const kept = makeBuild({
  status: "succeeded",
  finishedAt: 1_070_000,
  external: { sandbox: "bwrap", artifacts: { files: 3, bytes: 1_234_567 } },
});
const none = makeBuild({ status: "succeeded", finishedAt: 1_070_000, external: { sandbox: "bwrap" } });
const LINK = `[3 files, 1.2 MB](${URL}/builds/12#artifacts)`;

describe("the finish post's artifact link", () => {
  it("reads the summary the runner recorded, and nothing that is not one", () => {
    expect(artifactSummary(kept)).toEqual({ files: 3, bytes: 1_234_567 });
    for (const artifacts of [
      undefined,
      null,
      "3",
      { files: 0, bytes: 0 },
      { files: -1, bytes: 2 },
      { files: 1 },
    ]) {
      expect(artifactSummary(makeBuild({ external: { artifacts } }))).toBeNull();
    }
  });

  it("webhook mode: an Artifacts field linking the page's list", () => {
    const fields = (build: typeof kept) =>
      formatBuildFinished(build, { publicUrl: URL }).attachments?.[0]?.fields ?? [];
    expect(fields(kept)).toContainEqual({ title: "Artifacts", value: LINK, short: true });
    expect(fields(none).map((field) => field.title)).not.toContain("Artifacts");
  });

  it("bot mode: in the finish reply and on the root post", () => {
    expect(formatFinishReply(kept, null, { publicUrl: URL })).toContain(`Artifacts: ${LINK}.`);
    expect(formatFinishReply(none, null, { publicUrl: URL })).not.toContain("Artifacts");
    const root = formatRootPost(kept, { publicUrl: URL }).props.attachments as { fields: unknown[] }[];
    expect(root[0]?.fields).toContainEqual({ title: "Artifacts", value: LINK, short: true });
  });

  it("the console: a line with the count and the page's address", () => {
    const f = consoleFormatter(makeConfig());
    const post = f.finished(kept, null)[0]?.payload as ConsolePost;
    expect(post.details).toContain(`Artifacts: 3 files, 1.2 MB, ${URL}/builds/12#artifacts`);
    const plain = f.finished(none, null)[0]?.payload as ConsolePost;
    expect(plain.details.join("\n")).not.toContain("Artifacts");
  });
});
