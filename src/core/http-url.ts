/**
 * An address that may go into an href: http(s), nothing that could end an attribute or a Markdown
 * link. Everything slashbuild links to from a page or a post (Buildbot's page, a compare or pull
 * request link from a webhook, a commit on its Git host) is read back from a database or a payload,
 * so it is checked here, where chat and web both find it.
 */
export function httpUrlOrNull(url: unknown): string | null {
  return typeof url === "string" && /^https?:\/\/[^\s"'<>()]+$/.test(url) ? url : null;
}
