import sax from "sax";

/**
 * A streaming reader of JUnit XML, the format pytest, Jest/Vitest, gotestsum and Maven Surefire
 * write: each `<testcase>` is handed over as soon as it closes, with the texts a failure post needs,
 * each cut at a fixed length. Memory is bounded whatever the file: sax's buffers are capped
 * (sax.MAX_BUFFER_LENGTH, 64 KiB: text and CDATA are handed over in pieces, any other token past it
 * is an error), and so are nesting and attributes per element. Entities other than XML's five and
 * numeric ones are not expanded (no DTD is read), so a report cannot pull in a file or expand
 * itself. A testcase fails when it has `<failure>` or `<error>`, is skipped with `<skipped>`, and
 * passes otherwise (Surefire's `<flakyFailure>` alone is a pass).
 */

export type Outcome = "passed" | "failed" | "skipped";

/** A text cut at the reader's length; `complete` is false when there was more. */
export interface CutText {
  readonly text: string;
  readonly complete: boolean;
}

export interface ParsedCase {
  readonly name: CutText;
  readonly classname: CutText;
  readonly outcome: Outcome;
  /** For failures: the message attribute, or null. */
  readonly message: CutText | null;
  /** For failures: the failure's text, then system-out, then system-err. */
  readonly output: CutText;
}

export interface JunitReading {
  /** The document's root element, or null when none was read. */
  readonly root: string | null;
  /** Why reading stopped early (not well-formed, too deep), with the line; null when it did not. */
  readonly error: string | null;
}

/** Elements nested deeper than this end the reading (JUnit needs four). */
export const MAX_DEPTH = 64;
/** Attributes of one element past this end the reading. */
export const MAX_ATTRIBUTES = 256;

class Stop extends Error {}

class Capture {
  #text = "";
  #complete = true;
  constructor(readonly limit: number) {}
  add(text: string): void {
    const room = this.limit - this.#text.length;
    if (text.length > room) this.#complete = false;
    if (room > 0) this.#text += text.slice(0, room);
  }
  cut(): CutText {
    return { text: this.#text, complete: this.#complete };
  }
}

interface OpenCase {
  readonly name: CutText;
  readonly classname: CutText;
  failed: boolean;
  skipped: boolean;
  message: CutText | null;
  readonly body: Capture;
  readonly out: Capture;
  readonly err: Capture;
  into: Capture | null;
}

/**
 * Reads `chunks` (each at most a reader's chunk, so one synchronous step is bounded) and calls
 * `onCase` for each testcase. `textLimit` is how many characters of each text are kept. `whole`,
 * asked at the end, says whether the chunks were the whole file: a file cut at the size cap is not
 * checked for its missing end.
 */
export async function parseJunit(
  chunks: AsyncIterable<string>,
  onCase: (testcase: ParsedCase) => void,
  options: { readonly textLimit: number; readonly whole: () => boolean },
): Promise<JunitReading> {
  const { textLimit } = options;
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  let root: string | null = null;
  let depth = 0;
  let attributes = 0;
  let open: OpenCase | null = null;
  const fail = (why: string): never => {
    throw new Stop(`line ${parser.line + 1}, column ${parser.column + 1}: ${why}`);
  };
  parser.onerror = (error) => fail(error.message.split("\n")[0] ?? "not well-formed");
  parser.onopentagstart = () => {
    attributes = 0;
  };
  parser.onattribute = () => {
    if (++attributes > MAX_ATTRIBUTES) fail(`an element with more than ${MAX_ATTRIBUTES} attributes`);
  };
  parser.onopentag = (tag) => {
    if (++depth > MAX_DEPTH) fail(`elements nested more than ${MAX_DEPTH} deep`);
    root ??= tag.name;
    const attrs = tag.attributes as Record<string, string>;
    if (tag.name === "testcase") {
      if (open) return;
      open = {
        name: cut(attrs.name ?? "", textLimit),
        classname: cut(attrs.classname ?? "", textLimit),
        failed: false,
        skipped: false,
        message: null,
        body: new Capture(textLimit),
        out: new Capture(textLimit),
        err: new Capture(textLimit),
        into: null,
      };
      return;
    }
    if (!open || open.into) return;
    if (tag.name === "failure" || tag.name === "error") {
      if (!open.failed && attrs.message !== undefined) open.message = cut(attrs.message, textLimit);
      open.failed = true;
      open.into = open.body;
    } else if (tag.name === "skipped") open.skipped = true;
    else if (tag.name === "system-out") open.into = open.out;
    else if (tag.name === "system-err") open.into = open.err;
  };
  const text = (value: string) => open?.into?.add(value);
  parser.ontext = text;
  parser.oncdata = text;
  parser.onclosetag = (name) => {
    depth--;
    if (!open) return;
    if (name === "testcase" && !open.into) {
      onCase(finish(open, textLimit));
      open = null;
    } else if (["failure", "error", "system-out", "system-err"].includes(name) && open.into) {
      open.into = null;
    }
  };
  try {
    for await (const chunk of chunks) parser.write(chunk);
    if (options.whole()) parser.close();
  } catch (error) {
    if (error instanceof Stop) return { root, error: error.message };
    throw error;
  }
  return { root, error: null };
}

function finish(open: OpenCase, limit: number): ParsedCase {
  const outcome: Outcome = open.failed ? "failed" : open.skipped ? "skipped" : "passed";
  if (outcome !== "failed") {
    return { name: open.name, classname: open.classname, outcome, message: null, output: cut("", limit) };
  }
  const output = new Capture(limit);
  const parts = [open.body.cut(), open.out.cut(), open.err.cut()].filter((part) => part.text.trim() !== "");
  let complete = true;
  parts.forEach((part, index) => {
    output.add(index === 0 ? part.text.trim() : `\n${part.text.trim()}`);
    complete &&= part.complete;
  });
  const joined = output.cut();
  return {
    name: open.name,
    classname: open.classname,
    outcome,
    message: open.message,
    output: { text: joined.text, complete: joined.complete && complete },
  };
}

function cut(text: string, limit: number): CutText {
  return { text: text.slice(0, limit), complete: text.length <= limit };
}
