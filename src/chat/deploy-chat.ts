import type { FastifyPluginAsync } from "fastify";
import { type Build, isDeployBuild } from "../core/build.js";
import type { ChatChannel, Reply } from "../core/chat-command.js";
import type { DecisionRequest } from "../core/deploys/decide-deploy.js";
import type { Decision, Deploy, EnvironmentEvent } from "../core/deploys/deploy.js";
import type { DeployNotifier } from "../core/deploys/ports.js";
import { maskDeep } from "../core/known-secrets.js";
import type { Excerpt, OutboxDraft, OutboxSink, SinkFilter, StatusFormatter } from "../notify/ports.js";

/**
 * Deploys on a chat platform (issue 20), the part of the chat port they need: a platform that
 * announces may say each moment of a deploy in posts of its own (Announcements.deploys), and one
 * that can tell who clicked may take approvals by button (ChatReceivers.deployRoutes). A platform
 * with neither still works: its deploy builds are announced as builds and approvals are typed.
 */

/** What a platform posts at each moment of a deploy, as drafts for its own outbox sink. */
export interface DeployPosts {
  requested(deploy: Deploy, build: Build): OutboxDraft[];
  decided(deploy: Deploy, build: Build, decision: Decision): OutboxDraft[];
  ended(deploy: Deploy, build: Build, by: Deploy | null): OutboxDraft[];
  started(deploy: Deploy, build: Build): OutboxDraft[];
  progressed(deploy: Deploy, build: Build): OutboxDraft[];
  finished(deploy: Deploy, build: Build, excerpt: Excerpt | null): OutboxDraft[];
  autoSkipped(build: Build, environment: string, why: string): OutboxDraft[];
  environmentChanged(event: EnvironmentEvent, channel: ChatChannel | null): OutboxDraft[];
}

/** Records an Approve or Reject click (DeployService.decide) and words the answer; refusals as refusals. */
export type DeployDecider = (request: DecisionRequest) => Promise<Reply>;

/** A platform's receiver of Approve and Reject clicks, as a Fastify plugin; registered once. */
export type DeployRoutes = (decide: DeployDecider) => FastifyPluginAsync;

/**
 * A deploy is a build, so its moments reach a chat sink like a build's; this gives deploy builds
 * the platform's deploy posts and leaves every other build to the formatter it had. A deploy's
 * "queued" says nothing here: its request is announced once its commits are read
 * (DeployNotifier.requested).
 */
export function withDeployPosts(
  inner: StatusFormatter,
  posts: DeployPosts,
  findDeploy: (buildId: number) => Deploy | undefined,
): StatusFormatter {
  const deployOf = (build: Build) => (isDeployBuild(build) ? findDeploy(build.id) : undefined);
  return {
    queued: (build) => (isDeployBuild(build) ? [] : inner.queued(build)),
    started: (build) => {
      if (!isDeployBuild(build)) return inner.started(build);
      const deploy = deployOf(build);
      return deploy ? posts.started(deploy, build) : [];
    },
    progressed: (build) => {
      if (!isDeployBuild(build)) return inner.progressed(build);
      const deploy = deployOf(build);
      return deploy ? posts.progressed(deploy, build) : [];
    },
    finished: (build, excerpt) => {
      if (!isDeployBuild(build)) return inner.finished(build, excerpt);
      const deploy = deployOf(build);
      return deploy ? posts.finished(deploy, build, excerpt) : [];
    },
    ...(inner.destination ? { destination: inner.destination } : {}),
  };
}

/** Deploys are always announced, whatever the repo's `notify` filter says of its builds. */
export function withDeploysAnnounced(inner: SinkFilter): SinkFilter {
  return {
    progress: (build) => isDeployBuild(build) || inner.progress(build),
    finish: (build) => isDeployBuild(build) || inner.finish(build),
  };
}

/** A chat sink that says deploys in posts of its own: where its drafts are stored. */
export interface DeployPostSink {
  readonly outbox: OutboxSink;
  readonly posts: DeployPosts;
}

/**
 * The DeployNotifier over every such sink: each moment's posts stored in each sink's outbox,
 * masked with every secret slashbuild knows, inside the caller's transaction. A deploy's posts
 * carry its build's id, so they go out in order with the build's own (and thread under its root
 * post where the platform has one).
 */
export function deployNotifier(sinks: readonly DeployPostSink[], secrets: readonly string[]): DeployNotifier {
  const store = (build: Pick<Build, "id"> | null, drafts: (posts: DeployPosts) => readonly OutboxDraft[]) => {
    for (const sink of sinks) {
      for (const draft of drafts(sink.posts)) {
        sink.outbox.enqueue({
          ...draft,
          payload: maskDeep(draft.payload, secrets),
          buildId: build?.id ?? null,
        });
      }
    }
  };
  return {
    requested: (deploy, build) => store(build, (posts) => posts.requested(deploy, build)),
    decided: (deploy, build, decision) => store(build, (posts) => posts.decided(deploy, build, decision)),
    ended: (deploy, build, by) => store(build, (posts) => posts.ended(deploy, build, by)),
    environmentChanged: (event, channel) => store(null, (posts) => posts.environmentChanged(event, channel)),
    autoSkipped: (build, environment, why) =>
      store(build, (posts) => posts.autoSkipped(build, environment, why)),
  };
}
