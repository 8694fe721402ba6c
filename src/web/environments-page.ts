import { shortSha } from "../core/build.js";
import {
  approvalsOf,
  DEPLOY_STATE_WORDS,
  type Deploy,
  type EnvironmentEvent,
} from "../core/deploys/deploy.js";
import type { EnvironmentHistory, EnvironmentStatus } from "../core/deploys/environment-reads.js";
import type { Viewer } from "./auth/web-auth.js";
import { html, type SafeHtml } from "./html.js";
import { layout } from "./layout.js";
import { timeTag } from "./view-helpers.js";

/**
 * `/environments/<repo>` (issue 20): each environment of a repo as it stands (what it runs, who
 * asked for it and who approved it, what deploys or waits, its lock and freezes) and its recent
 * history, with links to the deploys' builds and the builds they deploy. A deploy waiting for
 * approval carries Approve and Reject for a signed-in viewer (web/deploy-routes.ts decides).
 */

export interface EnvironmentView {
  readonly status: EnvironmentStatus;
  readonly history: EnvironmentHistory;
}

export interface EnvironmentsPageView {
  readonly repo: string;
  readonly environments: readonly EnvironmentView[];
  readonly viewer: Viewer;
}

/** Deploy states on the build list's status classes, so colour, icon and word read as they do there. */
const STATE_CLASS: Readonly<Record<Deploy["state"], string>> = {
  awaiting_approval: "queued",
  queued: "queued",
  deploying: "running",
  succeeded: "succeeded",
  failed: "failed",
  timed_out: "timed_out",
  interrupted: "interrupted",
  cancelled: "cancelled",
  rejected: "failed",
  expired: "cancelled",
  superseded: "skipped",
};

function stateBadge(deploy: Deploy): SafeHtml {
  return html`<span class="status s-${STATE_CLASS[deploy.state]}">${DEPLOY_STATE_WORDS[deploy.state]}</span>`;
}

function buildLink(id: number | null): SafeHtml | string {
  return id === null ? "—" : html`<a href="/builds/${id}">#${id}</a>`;
}

function approvers(deploy: Deploy): SafeHtml | string {
  const approved = approvalsOf(deploy);
  if (approved.length === 0) return deploy.approvalsNeeded === 0 ? "not needed" : "nobody yet";
  return html`${approved.map((d, i) => html`${i > 0 ? ", " : ""}@${d.userName} <span class="muted">(${d.via})</span>`)}`;
}

function revision(deploy: Deploy): SafeHtml {
  return html`<code title="${deploy.revision}">${shortSha(deploy.revision)}</code> from <code>${deploy.branch}</code>, build ${buildLink(deploy.sourceBuildId)}`;
}

function current(status: EnvironmentStatus): SafeHtml {
  const d = status.current;
  if (!d) return html`<dt>Deployed</dt><dd class="muted">nothing yet</dd>`;
  return html`<dt>Deployed</dt><dd>${revision(d)} by deploy ${buildLink(d.buildId)}</dd>
<dt>Requested by</dt><dd>@${d.requester}${d.kind === "deploy" ? "" : ` (${d.kind})`}</dd>
<dt>Approved by</dt><dd>${approvers(d)}</dd>
<dt>When</dt><dd>${timeTag(d.finishedAt ?? d.createdAt)}</dd>`;
}

function conditions(status: EnvironmentStatus): SafeHtml {
  const { deploying, last, current: held, lock, freeze } = status;
  const failed = last && last.state !== "succeeded" && (!held || last.buildId > held.buildId);
  return html`${deploying ? html`<dt>Deploying</dt><dd>${stateBadge(deploying)} ${revision(deploying)}, deploy ${buildLink(deploying.buildId)}</dd>` : ""}
${failed ? html`<dt>Last deploy</dt><dd>${stateBadge(last)} deploy ${buildLink(last.buildId)}: it does not hold ${shortSha(last.revision)}</dd>` : ""}
${lock ? html`<dt>Locked</dt><dd>by @${lock.holder} since ${timeTag(lock.since)}, until ${timeTag(lock.expiresAt)}${lock.reason ? html`: ${lock.reason}` : ""}</dd>` : ""}
${freeze.now ? html`<dt>Frozen</dt><dd><code>${freeze.now.pattern}</code>${freeze.now.until === null ? "" : html`, until ${timeTag(freeze.now.until)}`}</dd>` : freeze.next ? html`<dt>Next freeze</dt><dd>${timeTag(freeze.next.at)} (<code>${freeze.next.pattern}</code>)</dd>` : ""}`;
}

/** The deploy waiting for approvals or for the running one, with the decision forms when it waits for approval. */
function waiting(status: EnvironmentStatus, viewer: Viewer): SafeHtml | string {
  const d = status.waiting;
  if (!d) return "";
  const count = `${approvalsOf(d).length} of ${d.approvalsNeeded} approvals`;
  const what = html`<p>${stateBadge(d)} Deploy ${buildLink(d.buildId)} of ${revision(d)}, requested by @${d.requester}${d.state === "awaiting_approval" ? html` · ${count}${d.expiresAt === null ? "" : html` · expires ${timeTag(d.expiresAt)}`}` : ""}</p>`;
  if (d.state !== "awaiting_approval" || !viewer.signInEnabled)
    return html`<div class="summary">${what}</div>`;
  if (viewer.user === null) {
    return html`<div class="summary">${what}<div class="actions"><a class="button" href="/login?next=${`/environments/${d.repo}`}">Sign in to approve or reject</a></div></div>`;
  }
  const form = (verdict: "approve" | "reject", extra: SafeHtml | string, label: string, kind: string) =>
    html`<form method="post" action="/deploys/${d.buildId}/${verdict}"><input type="hidden" name="csrf" value="${viewer.csrf}">${extra}<button type="submit" class="${kind}">${label}</button></form>`;
  const reason = html`<label class="sr" for="reason-${d.buildId}">Why</label><input id="reason-${d.buildId}" name="reason" maxlength="300" placeholder="why (optional)" autocomplete="off">`;
  return html`<div class="summary">${what}<div class="actions">${form("approve", "", `Approve #${d.buildId}`, "primary")}${form("reject", reason, `Reject #${d.buildId}`, "danger")}</div></div>`;
}

function historyRow(d: Deploy): SafeHtml {
  return html`<tr><td class="nowrap">${buildLink(d.buildId)}</td><td>${d.kind}</td><td>${revision(d)}</td>
<td class="wide">@${d.requester}</td><td class="wide">${approvers(d)}</td>
<td>${stateBadge(d)}${d.forced ? html` <span class="badge" title="forced past ${d.forced.join(", ")}">forced</span>` : ""}${d.reason ? html` <span class="muted">${d.reason}</span>` : ""}</td>
<td class="wide nowrap">${timeTag(d.createdAt)}</td></tr>`;
}

const EVENT_WORDS: Readonly<Record<EnvironmentEvent["kind"], (e: EnvironmentEvent) => string>> = {
  locked: (e) => `@${e.actor} locked it`,
  unlocked: (e) => `@${e.actor} unlocked it`,
  lock_broken: (e) => `@${e.actor} broke @${e.holder}'s lock`,
  lock_lapsed: (e) => `@${e.holder}'s lock lapsed`,
};

function history({ deploys, events }: EnvironmentHistory): SafeHtml {
  const table =
    deploys.length === 0
      ? html`<p class="muted">No deploys yet.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Deploy</th><th scope="col">Kind</th><th scope="col">Revision</th>
<th scope="col" class="wide">Requested by</th><th scope="col" class="wide">Approved by</th><th scope="col">State</th><th scope="col" class="wide">Asked</th></tr></thead>
<tbody>${deploys.map(historyRow)}</tbody></table></div>`;
  const locks =
    events.length === 0
      ? ""
      : html`<ul class="events">${events.map((e) => html`<li>${timeTag(e.at)} ${EVENT_WORDS[e.kind](e)}${e.detail ? html`: ${e.detail}` : ""}</li>`)}</ul>`;
  return html`${table}${locks}`;
}

function environmentSection({ status, history: past }: EnvironmentView, viewer: Viewer): SafeHtml {
  const name = status.environment.name;
  return html`<section class="environment" id="env-${name}" aria-label="${name}">
<h2>${name}</h2>
<dl class="facts">${current(status)}${conditions(status)}
<dt>Branches</dt><dd>${status.environment.branches.map((b, i) => html`${i > 0 ? ", " : ""}<code>${b}</code>`)}</dd></dl>
${waiting(status, viewer)}
<h3>History</h3>${history(past)}
</section>`;
}

export function renderEnvironmentsPage(view: EnvironmentsPageView): string {
  const body = html`<h1>Environments of ${view.repo}</h1>
${view.environments.map((environment) => environmentSection(environment, view.viewer))}`;
  return layout(`Environments of ${view.repo}`, body, { viewer: view.viewer }).value;
}
