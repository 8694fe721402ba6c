import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { BUILD_PAGE_JS } from "./build-page-script.js";
import { LOCAL_TIMES_JS } from "./local-times-script.js";
import { STYLE_CSS } from "./style.js";

interface Asset {
  readonly body: string;
  readonly type: string;
  readonly path: string;
}

function asset(name: string, body: string, type: string): [string, Asset] {
  // The content hash in the name lets browsers cache an asset forever and still see a new version.
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  const dot = name.lastIndexOf(".");
  return [name, { body, type, path: `/assets/${name.slice(0, dot)}.${hash}${name.slice(dot)}` }];
}

const ASSETS = new Map<string, Asset>([
  asset("style.css", STYLE_CSS, "text/css; charset=utf-8"),
  asset("build-page.js", BUILD_PAGE_JS, "text/javascript; charset=utf-8"),
  asset("local-times.js", LOCAL_TIMES_JS, "text/javascript; charset=utf-8"),
]);

export function assetPath(name: "style.css" | "build-page.js" | "local-times.js"): string {
  return ASSETS.get(name)?.path ?? "/";
}

/** Serves the stylesheet and the script under their hashed names. */
export function registerAssets(app: FastifyInstance): void {
  for (const item of ASSETS.values()) {
    app.get(item.path, async (_request, reply) => {
      reply.type(item.type).header("cache-control", "public, max-age=31536000, immutable");
      return item.body;
    });
  }
}
