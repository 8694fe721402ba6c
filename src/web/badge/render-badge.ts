import type { BuildStatus } from "../../core/build.js";
import { escapeHtml } from "../html.js";

/** What a badge can say: a verdict, or nothing known (never built, or not a public_badge repo). */
export type BadgeVerdict = Extract<BuildStatus, "succeeded" | "failed" | "timed_out"> | "unknown";

/** The words and colours of the badges README readers know (shields.io's flat style). */
const LOOKS: Readonly<Record<BadgeVerdict, { readonly text: string; readonly colour: string }>> = {
  succeeded: { text: "passing", colour: "#4c1" },
  failed: { text: "failing", colour: "#e05d44" },
  timed_out: { text: "timed out", colour: "#e05d44" },
  unknown: { text: "unknown", colour: "#9f9f9f" },
};

const LABEL = "build";

/**
 * Approximate advance widths of Verdana at 11px, the badge's font, by character class. The text is
 * drawn with textLength, so a viewer without Verdana still fits it into exactly this width.
 */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    if ("iljtf.,:;'!| ".includes(ch)) width += 3.9;
    else if ("rI()[]".includes(ch)) width += 4.9;
    else if ("mwMW".includes(ch)) width += 10.6;
    else if (ch >= "A" && ch <= "Z") width += 7.6;
    else width += 6.9;
  }
  return Math.round(width);
}

function segment(text: string, x: number, width: number): string {
  const safe = escapeHtml(text);
  const centre = x + width / 2;
  const length = width - 10;
  return `<text x="${centre}" y="15" fill="#010101" fill-opacity=".3" textLength="${length}" lengthAdjust="spacingAndGlyphs">${safe}</text><text x="${centre}" y="14" textLength="${length}" lengthAdjust="spacingAndGlyphs">${safe}</text>`;
}

/** The badge: "build | passing", as an SVG image with its text readable by screen readers. */
export function renderBadge(verdict: BadgeVerdict): string {
  const { text, colour } = LOOKS[verdict];
  const left = textWidth(LABEL) + 10;
  const right = textWidth(text) + 10;
  const total = left + right;
  const title = escapeHtml(`${LABEL}: ${text}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${title}"><title>${title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${total}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colour}"/><rect width="${total}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">${segment(LABEL, 0, left)}${segment(text, left, right)}</g></svg>`;
}
