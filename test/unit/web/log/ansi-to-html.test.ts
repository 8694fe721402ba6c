import { describe, expect, it } from "vitest";
import { ansiToHtml, stripAnsi } from "../../../../src/web/log/ansi-to-html.js";

const ESC = "\x1b";
const render = (line: string) => ansiToHtml(line).value;

describe("ansiToHtml", () => {
  it("escapes text before anything else", () => {
    expect(render(`<script>alert("x")</script> & 'y'`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;",
    );
    // Markup inside a coloured span is escaped too.
    expect(render(`${ESC}[31m<img src=x onerror=alert(1)>${ESC}[0m`)).toBe(
      '<span class="a-f1">&lt;img src=x onerror=alert(1)&gt;</span>',
    );
  });

  it("turns SGR colours and weights into classes, and reset ends them", () => {
    expect(render(`${ESC}[1;32mok${ESC}[0m done`)).toBe('<span class="a-f2 a-b">ok</span> done');
    expect(render(`${ESC}[91;44mhi${ESC}[39mx${ESC}[49my`)).toBe(
      '<span class="a-f9 a-g4">hi</span><span class="a-g4">x</span>y',
    );
    expect(render(`${ESC}[38;5;3myellow${ESC}[m`)).toBe('<span class="a-f3">yellow</span>');
    expect(render(`${ESC}[38;5;200mdropped ${ESC}[38;2;1;2;3mtoo`)).toBe("dropped too");
    expect(render(`${ESC}[2;3;4mx${ESC}[22;23;24my`)).toBe('<span class="a-d a-i a-u">x</span>y');
  });

  it("strips every other escape sequence and control character", () => {
    expect(
      render(`a${ESC}[2Kb${ESC}[10;5Hc${ESC}]0;title\x07d${ESC}]8;;http://x${ESC}\\e${ESC}7f\x00\x08g`),
    ).toBe("abcdefg");
    expect(render("tab\tkept")).toBe("tab\tkept");
    // A CSI with a private marker is not SGR, even when it ends in m.
    expect(render(`${ESC}[?31mplain`)).toBe("plain");
  });

  it("shows what a terminal leaves after carriage returns", () => {
    expect(render("10%\r50%\r100%")).toBe("100%");
    expect(render("windows line\r")).toBe("windows line");
  });

  it("never emits an attribute or tag from input", () => {
    const hostile = `${ESC}[31m"><script>x</script>${ESC}[0m${ESC}[" onmouseover="x`;
    expect(render(hostile)).not.toMatch(/<(?!\/?span)/);
    expect(render(hostile)).not.toContain('"><');
  });

  it("stripAnsi gives the readable text", () => {
    expect(stripAnsi(`${ESC}[31merror:${ESC}[0m boom`)).toBe("error: boom");
  });
});
