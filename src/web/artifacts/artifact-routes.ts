import type { FastifyInstance } from "fastify";
import { artifactsUrl } from "../../core/artifacts.js";
import { SlashbuildError } from "../../core/errors.js";
import { buildFromParam, type WebContext } from "../web-context.js";

/**
 * `/builds/N/artifacts/<path>`: one kept file, under the same read rule as the build page (the read
 * gate sees every GET). A build chose its bytes and its name, so neither is trusted: the answer is
 * always `application/octet-stream` and an attachment (a browser saves it, never renders it, so an
 * HTML file a build wrote cannot run as this site), nosniff, and a CSP sandbox in case something
 * opens it anyway. The name travels in Content-Disposition per RFC 6266 (an ASCII fallback and the
 * UTF-8 name percent-encoded), never raw in a header.
 */
export function artifactRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Params: { id: string; "*": string } }>("/builds/:id/artifacts/*", async (request, reply) => {
    const build = buildFromParam(ctx, request.params.id);
    const wanted = request.params["*"];
    const manifest = ctx.artifacts ? await ctx.artifacts.list(build) : null;
    const artifact = manifest?.kept.find((kept) => kept.path === wanted);
    if (!ctx.artifacts || !artifact) {
      throw new SlashbuildError(
        "NOT_FOUND",
        `Build #${build.id} kept no artifact named ${wanted}; its page lists what it kept: ${artifactsUrl(ctx.config.publicUrl, build)}`,
      );
    }
    reply.header("content-type", "application/octet-stream");
    reply.header("content-disposition", attachment(wanted.split("/").pop() ?? "artifact"));
    reply.header("content-length", String(artifact.size));
    reply.header("content-security-policy", "sandbox; default-src 'none'");
    reply.header("cross-origin-resource-policy", "same-origin");
    return reply.send(ctx.artifacts.open(build, artifact));
  });
}

/** `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266, RFC 8187). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._ -]/g, "_") || "artifact";
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
