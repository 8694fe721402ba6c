import { describe, expect, it } from "vitest";
import { escapeHtml, html, raw } from "../../../src/web/html.js";

describe("html", () => {
  it("escapes every interpolated value", () => {
    const hostile = `<script>alert("x")</script>&'`;
    expect(html`<p>${hostile}</p>`.value).toBe(
      "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>",
    );
    expect(html`<a title="${hostile}">`.value).not.toContain('"x"');
  });

  it("does not escape nested html or raw markup twice", () => {
    const inner = html`<b>${"a&b"}</b>`;
    expect(html`<p>${inner}${[inner, "<i>"]}${raw("<br>")}</p>`.value).toBe(
      "<p><b>a&amp;b</b><b>a&amp;b</b>&lt;i&gt;<br></p>",
    );
  });

  it("renders nothing for null, undefined and false", () => {
    expect(html`${null}${undefined}${false}${0}`.value).toBe("0");
    expect(escapeHtml("plain")).toBe("plain");
  });
});
