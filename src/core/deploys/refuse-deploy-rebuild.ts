import { type Build, isDeployBuild } from "../build.js";
import { SlashbuildError } from "../errors.js";

/** A deploy's build is not rebuilt (Rebuild, `/build rebuild N`): deploying again goes through `/build deploy` and its rules. */
export function refuseDeployRebuild(build: Build): void {
  if (!isDeployBuild(build)) return;
  throw new SlashbuildError(
    "COMMAND_MALFORMED",
    `#${build.id} is a deploy to ${build.environment}; \`/build deploy ${build.repo} ${build.environment} ${build.sha ?? build.requestedRevision ?? ""}\` deploys the same commit again.`,
  );
}
