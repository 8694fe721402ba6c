import { describe, expect, it } from "vitest";
import { inlineCode } from "../../../src/web/error-page.js";

describe("inlineCode", () => {
  it("turns each `…` span into <code>, escaping its text and the rest alike", () => {
    expect(inlineCode('Type `/build <repo>` & wait; `a"b`.').value).toBe(
      "Type <code>/build &lt;repo&gt;</code> &amp; wait; <code>a&quot;b</code>.",
    );
  });

  it("shows a message with an unpaired backtick as it is, escaped", () => {
    expect(inlineCode("it's `odd <b>").value).toBe("it&#39;s `odd &lt;b&gt;");
  });
});
