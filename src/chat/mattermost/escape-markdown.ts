/**
 * Makes untrusted text inert in a Mattermost post: Markdown punctuation is backslash-escaped;
 * `<`, `>` and `&` become entities so Slack-compatible `<!channel>`/`<url|text>` parsing (which
 * runs on webhook posts) finds nothing; a zero-width space after `@` and `~` stops mentions and
 * channel links; control and bidi-override characters are dropped, newlines unless allowed.
 */
export function escapeMarkdown(text: string, { multiline = false } = {}): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(multiline ? /[\u0000-\u0009\u000b-\u001f\u007f]/g : /[\u0000-\u001f\u007f]/g, " ")
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/[\\`*_[\]|#]/g, "\\$&")
      .replace(/([@~])/g, "$1\u200b")
  );
}
