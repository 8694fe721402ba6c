import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { WebApp } from "./web-app.js";

/** The configured public_url of WebApp, as a browser on it sends Origin. */
export const WEB_ORIGIN = "http://ci.example.com:8080";

export function cookiesOf(setCookie: string | string[] | undefined): string {
  return [setCookie ?? []]
    .flat()
    .map((c) => c.split(";")[0])
    .join("; ");
}

export function csrfOf(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
}

/**
 * Requests to a WebApp (or a server of a test's own with the web routes) through inject, and a
 * sign-in as a browser does it (form, nonce, POST).
 */
export function webClient(web: WebApp | FastifyInstance) {
  const server = web instanceof WebApp ? web.app.server : web;
  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => server.inject(options);
  return {
    inject,
    /** Session cookie of a successful sign-in; throws with the answer otherwise. */
    async signIn(user: string, password: string, headers: Record<string, string> = {}): Promise<string> {
      const form = await inject({ url: "/login", headers });
      const response = await inject({
        method: "POST",
        url: "/login",
        headers: { cookie: cookiesOf(form.headers["set-cookie"]), origin: WEB_ORIGIN, ...headers },
        payload: { user, password, csrf: csrfOf(form.body), next: "/" },
      });
      if (response.statusCode !== 303)
        throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
      return cookiesOf(response.headers["set-cookie"]).replace(/; sb_login=$/, "");
    },
  };
}
