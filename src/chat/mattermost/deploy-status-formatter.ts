import { type Build, isDeployBuild } from "../../core/build.js";
import type { Deploy } from "../../core/deploys/deploy.js";
import type { SinkFilter, StatusFormatter } from "../../notify/ports.js";
import type { DeployPosts } from "./deploy-replies.js";

/**
 * A deploy is a build, so its moments reach the chat sink like a build's; these wrappers give
 * deploy builds their own posts (deploy-bot-posts.ts, deploy-webhook-posts.ts) and leave every
 * other build to the formatter it had. A deploy's "queued" says nothing here: its request is
 * announced once its commits are read (DeployNotifier.requested).
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

/**
 * A sink that has nothing to say of deploys yet (the Git host's commit statuses: a deploy's result
 * must not become the commit's build status). Reporting deploys there is a formatter of its own.
 */
export function withoutDeploys(inner: StatusFormatter): StatusFormatter {
  return {
    queued: (build) => (isDeployBuild(build) ? [] : inner.queued(build)),
    started: (build) => (isDeployBuild(build) ? [] : inner.started(build)),
    progressed: (build) => (isDeployBuild(build) ? [] : inner.progressed(build)),
    finished: (build, excerpt) => (isDeployBuild(build) ? [] : inner.finished(build, excerpt)),
    ...(inner.destination ? { destination: inner.destination } : {}),
  };
}
