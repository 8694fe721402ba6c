import { defineForgeHosts } from "./forge-host.js";
import { giteaHost } from "./gitea/gitea-host.js";
import { githubHost } from "./github/github-host.js";
import { gitlabHost } from "./gitlab/gitlab-host.js";

/**
 * The Git hosts slashbuild serves: one entry each, keyed by the host's name (docs/architecture.md,
 * "Add a Git host"). createApp takes this list unless its deps give another (a test adds a host
 * to it: test/integration/forges/add-a-host.test.ts).
 */
export const FORGE_HOSTS = defineForgeHosts({
  github: githubHost,
  gitea: giteaHost,
  gitlab: gitlabHost,
});
