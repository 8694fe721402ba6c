import type { Config } from "../config/config.js";

/**
 * Which Host headers the web UI answers (issue 8, item 6). A DNS-rebinding page makes the victim's
 * browser send the attacker's own name as Host and as Origin, so a same-origin check alone passes;
 * answering only for public_url's host, the listen address and loopback names closes that. Loopback
 * names are always allowed: no rebinding attack can make a browser send them for another site, and
 * a reverse proxy on the same machine often forwards them. Ports are not compared: the attacker
 * controls the name, and `listen` may be port 0 in tests.
 */
export function allowedHostnames(config: Pick<Config, "publicUrl" | "listen">): ReadonlySet<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]"]);
  names.add(new URL(config.publicUrl).hostname);
  const listen = hostnameOf(
    config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host,
  );
  // 0.0.0.0 and :: are "every address", not a name a browser sends.
  if (listen && listen !== "0.0.0.0" && listen !== "[::]") names.add(listen);
  return names;
}

/** The lower-cased hostname of a Host header (IPv6 in brackets), or null when it is not one. */
export function hostnameOf(host: string | undefined): string | null {
  if (!host || host.length > 255) return null;
  // A Host header is a bare authority: anything that would make a URL of it mean something else is refused.
  if (/[/@?#\\\s]/.test(host)) return null;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}
