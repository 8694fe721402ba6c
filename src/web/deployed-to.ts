import { type Build, isDeployBuild } from "../core/build.js";
import type { DeployService } from "../core/deploys/deploy-service.js";
import { html, type SafeHtml } from "./html.js";

/**
 * The build page's line about deploys (issue 20): for a build, the environments whose current
 * deploy is its commit; for a deploy, the environment it deploys to. Each links to the repo's
 * environments page. Nothing for a build deployed nowhere.
 */
export function deployedTo(build: Build, deploys: DeployService | null): SafeHtml | null {
  if (!deploys) return null;
  const page = (environment: string) =>
    html`<a href="/environments/${build.repo}#env-${environment}">${environment}</a>`;
  if (isDeployBuild(build) && build.environment) {
    return html`<p class="deployed-to">Deploy to ${page(build.environment)}.</p>`;
  }
  const holding = build.sha ? deploys.reads.holding(build.repo, build.sha) : [];
  if (holding.length === 0) return null;
  return html`<p class="deployed-to">Deployed to ${holding.map((name, i) => html`${i > 0 ? ", " : ""}${page(name)}`)}.</p>`;
}
