/**
 * Regenerates docs/chat-post.png: what a failed build looks like in the channel in bot mode. The
 * post content comes from the real formatters; the page around it is a small approximation of
 * Mattermost's post and attachment layout (Markdown subset: bold, code, links, code blocks,
 * emoji shortcodes), rendered by headless Chromium.
 *
 *   npx tsx bench/chat-render-post.ts [out.png]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import type { PostContent } from "../src/chat/mattermost/bot-payload.js";
import { formatFinishReply, formatRootPost } from "../src/chat/mattermost/format-build-post.js";
import type { Build, Step } from "../src/core/build.js";

const options = {
  publicUrl: "https://ci.example.com",
  actions: {
    url: "https://ci.example.com/mattermost/action",
    secret: "example-action-secret-0123456789",
    lifetimeMs: 30 * 86_400_000,
    clock: Date.now,
  },
};
const names = ["make clean", "make test", "make deploy"];
const statuses: Step["status"][] = ["succeeded", "failed", "skipped"];
const steps: Step[] = names.map((name, index) => ({
  index,
  name,
  status: statuses[index] as Step["status"],
  exitCode: index === 0 ? 0 : index === 1 ? 2 : null,
  startedAt: index < 2 ? 1_010_000 + index * 4000 : null,
  finishedAt: index < 2 ? 1_014_000 + index * 54_000 : null,
}));
const build: Build = {
  id: 42,
  repo: "app",
  branch: "main",
  requestedRevision: null,
  sha: "0123456789abcdef0123456789abcdef01234567",
  requester: "alice",
  requesterId: "u1",
  channelId: "c1",
  channelName: "ci",
  backend: "local",
  status: "failed",
  createdAt: 1_000_000,
  startedAt: 1_010_000,
  finishedAt: 1_072_000,
  failingStep: "make test",
  reason: null,
  rebuildOf: null,
  external: {},
  steps,
};
const excerpt = {
  step: steps[1] as Step,
  text: "tests/test_api.py::test_login FAILED\nE   AssertionError: expected 200, got 500\n===== 1 failed, 41 passed in 3.21s =====\nmake: *** [Makefile:7: test] Error 1",
};

// Text glyphs stand in for Mattermost's emoji images (headless Chromium here has no emoji font).
const EMOJI: Record<string, string> = {
  x: '<span style="color:#d24b4e">✖</span>',
  white_check_mark: '<span style="color:#3db887">✔</span>',
  arrow_forward: '<span style="color:#2389d7">▶</span>',
  hourglass_flowing_sand: '<span style="color:#8a8a8a">⧗</span>',
};
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The Markdown subset our posts use; backslash escapes and entities as Mattermost shows them. */
function markdown(text: string): string {
  const blocks = text.split(/```\n?/);
  return blocks
    .map((block, i) => {
      if (i % 2 === 1) return `<pre>${esc(block.replace(/\u200b/g, ""))}</pre>`;
      return esc(block)
        .replace(/`([^`]+)`/g, "<code>$1</code>")
        .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
        .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>')
        .replace(/:([a-z_]+):/g, (m, name: string) => EMOJI[name] ?? m)
        .replace(/\\(.)/g, "$1")
        .replace(/\n/g, "<br>");
    })
    .join("");
}

function attachmentHtml(post: PostContent): string {
  const [a] = post.props.attachments as {
    color: string;
    title: string;
    fields: { title: string; value: string; short: boolean }[];
    actions?: { name: string; style: string }[];
  }[];
  if (!a) return "";
  const color = a.color === "danger" ? "#d24b4e" : a.color === "good" ? "#3db887" : a.color;
  const fields = a.fields
    .map(
      (f) =>
        `<div class="field ${f.short ? "short" : ""}"><h4>${esc(f.title)}</h4><div>${markdown(f.value)}</div></div>`,
    )
    .join("");
  const buttons = (a.actions ?? []).map((b) => `<button class="${b.style}">${esc(b.name)}</button>`).join("");
  return `<div class="att" style="border-left-color:${color}"><div class="title"><a>${esc(a.title)}</a></div><div class="fields">${fields}</div><div class="actions">${buttons}</div></div>`;
}

const root = formatRootPost(build, options);
const reply = formatFinishReply(build, excerpt, options);
const page = `<!doctype html><meta charset="utf-8"><style>
body{font:14px/1.45 "Open Sans",Arial,sans-serif;color:#3d3c40;margin:0;background:#fff;width:760px}
.post{display:flex;padding:10px 16px}.avatar{width:36px;height:36px;border-radius:50%;background:#1e325c;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:700;margin-right:10px;flex:none}
.name{font-weight:700}.bot{font-size:10px;background:#e0e0e3;border-radius:2px;padding:0 4px;margin-left:4px}.time{color:#8b8a8e;font-size:12px;margin-left:6px}
a{color:#2389d7;text-decoration:none}code{background:#f0f0f1;border-radius:3px;padding:1px 4px;font-size:12.5px;color:#c7254e}
pre{background:#f7f7f8;border:1px solid #e3e3e5;border-radius:4px;padding:8px;font-size:12px;white-space:pre-wrap;margin:6px 0}
.att{border:1px solid #e3e3e5;border-left:4px solid;border-radius:4px;padding:8px 12px;margin-top:6px}.title{font-weight:700;margin-bottom:4px}
.fields{display:flex;flex-wrap:wrap}.field{width:100%;margin:4px 0}.field.short{width:50%}.field h4{margin:0;font-size:13px}
.actions button{font:600 13px Arial;border-radius:4px;padding:6px 12px;margin:6px 6px 0 0;border:1px solid #d0d0d3;background:#fff;color:#3d3c40}
.actions button.primary{background:#1c58d9;border-color:#1c58d9;color:#fff}.actions button.danger{color:#d24b4e;border-color:#d24b4e}
.thread{margin-left:46px;border-left:2px solid #e3e3e5;padding-left:0}.hdr{color:#8b8a8e;font-size:12px;padding:8px 16px 0 62px}
</style>
<div class="post"><div class="avatar">sb</div><div><span class="name">slashbuild</span><span class="bot">BOT</span><span class="time">10:42 AM (edited)</span>
<div>${markdown(root.message)}</div>${attachmentHtml(root)}</div></div>
<div class="hdr">1 reply</div>
<div class="thread"><div class="post"><div class="avatar">sb</div><div><span class="name">slashbuild</span><span class="bot">BOT</span><span class="time">10:43 AM</span>
<div>${markdown(reply).replace("@alice", "<a>@alice</a>")}</div></div></div></div>`;

const out = path.resolve(process.argv[2] ?? "docs/chat-post.png");
const profile = mkdtempSync(path.join(tmpdir(), "slashbuild-chromium-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  viewport: { width: 760, height: 200 },
});
try {
  const tab = await browser.newPage();
  await tab.setContent(page);
  await tab.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
