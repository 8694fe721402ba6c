import { escapeHtml, SafeHtml } from "../html.js";

/**
 * A small, safe ANSI → HTML converter for one log line. Text is escaped before anything else, so
 * nothing in a log can become markup; only SGR colour and weight codes become CSS classes (never
 * inline styles: the Content-Security-Policy forbids them), and every other escape sequence or
 * control character is dropped. Colours apply within a line: build tools reset at line ends, and
 * per-line state lets any window of a huge log render on its own.
 */

interface Style {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

// CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), other two-byte escapes, then stray control
// characters other than tab.
const SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape and control characters is this regex's whole job.
  /\x1b\[([0-9;:?<=>]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0b-\x1f\x7f]/g;

function plain(): Style {
  return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };
}

/** Applies one SGR parameter list (e.g. "1;31") to the style. Unknown codes are ignored. */
function applySgr(style: Style, params: string): Style {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  let next = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) next = plain();
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next = { ...next, bold: false, dim: false };
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) next.bg = null;
    else if (code === 38 || code === 48) {
      // 38;5;n (256 colours: the first 16 map to ours, the rest are dropped) or 38;2;r;g;b (dropped).
      const mode = codes[i + 1];
      if (mode === 5) {
        const n = codes[i + 2] ?? -1;
        if (n >= 0 && n < 16) {
          if (code === 38) next.fg = n;
          else next.bg = n;
        }
        i += 2;
      } else if (mode === 2) i += 4;
    }
  }
  return next;
}

function classesOf(style: Style): string {
  const names: string[] = [];
  if (style.fg !== null) names.push(`a-f${style.fg}`);
  if (style.bg !== null) names.push(`a-g${style.bg}`);
  if (style.bold) names.push("a-b");
  if (style.dim) names.push("a-d");
  if (style.italic) names.push("a-i");
  if (style.underline) names.push("a-u");
  return names.join(" ");
}

/** What a terminal would leave visible after carriage returns: the text after the last one. */
function afterCarriageReturn(line: string): string {
  const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
  const cr = trimmed.lastIndexOf("\r");
  return cr === -1 ? trimmed : trimmed.slice(cr + 1);
}

/** Calls `emit` with each visible piece of a line and the style it is shown in. */
function eachSegment(line: string, emit: (segment: string, style: Style) => void): void {
  const text = afterCarriageReturn(line);
  let style = plain();
  let last = 0;
  for (const match of text.matchAll(SEQUENCE)) {
    if (match.index > last) emit(text.slice(last, match.index), style);
    last = match.index + match[0].length;
    if (match[2] === "m" && match[1] !== undefined && /^[0-9;:]*$/.test(match[1])) {
      style = applySgr(style, match[1]);
    }
  }
  if (text.length > last) emit(text.slice(last), style);
}

/** One line of log text (without its newline) as safe HTML. */
export function ansiToHtml(line: string): SafeHtml {
  let out = "";
  eachSegment(line, (segment, style) => {
    const classes = classesOf(style);
    const escaped = escapeHtml(segment);
    out += classes ? `<span class="${classes}">${escaped}</span>` : escaped;
  });
  return new SafeHtml(out);
}

/** The text a person reads, without escape sequences (for searching a log). */
export function stripAnsi(line: string): string {
  return afterCarriageReturn(line).replace(SEQUENCE, "");
}

/**
 * Many lines' text without escape sequences or control characters (carriage returns too, newlines
 * kept): more than a person reads of them (what a carriage return overwrote stays), for asking a
 * batch of lines whether a line of it might hold some text.
 */
export function withoutEscapes(text: string): string {
  return text.replace(SEQUENCE, "");
}

/**
 * The text a person reads, less what is printed faint (SGR 2): tools print in faint what needs no
 * attention (timestamps, paths, a skipped test), and so does slashbuild for a backend's own lines
 * around a command's output (Buildbot's header: the command, its directory, argv, "using PTY").
 * What is faint is never taken for an error.
 */
export function brightText(line: string): string {
  let out = "";
  eachSegment(line, (segment, style) => {
    if (!style.dim) out += segment;
  });
  return out;
}
