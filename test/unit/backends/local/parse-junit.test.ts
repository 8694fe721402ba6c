import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type JunitReading,
  MAX_ATTRIBUTES,
  MAX_DEPTH,
  type ParsedCase,
  parseJunit,
} from "../../../../src/backends/local/parse-junit.js";

const fixture = (name: string) => readFileSync(`test/fixtures/junit/${name}`, "utf8");

async function* pieces(text: string, size: number): AsyncIterable<string> {
  for (let at = 0; at < text.length; at += size) yield text.slice(at, at + size);
}

async function parse(
  text: string,
  options: { size?: number; textLimit?: number; whole?: boolean } = {},
): Promise<{ cases: ParsedCase[]; reading: JunitReading }> {
  const cases: ParsedCase[] = [];
  const reading = await parseJunit(pieces(text, options.size ?? 65536), (c) => cases.push(c), {
    textLimit: options.textLimit ?? 4000,
    whole: () => options.whole ?? true,
  });
  return { cases, reading };
}

const summary = (cases: readonly ParsedCase[]) => cases.map((c) => `${c.outcome} ${c.name.text}`);

describe("parseJunit", () => {
  it("reads pytest's report: failures with their message, traceback and captured output", async () => {
    const { cases, reading } = await parse(fixture("pytest.xml"));
    expect(reading).toEqual({ root: "testsuites", error: null });
    expect(summary(cases)).toEqual([
      "failed test_login",
      "failed test_logout",
      "passed test_signup",
      "skipped test_reset_password",
      "failed test_even[1]",
      "passed test_even[2]",
    ]);
    const login = cases[0] as ParsedCase;
    expect(login.classname.text).toBe("tests.test_auth");
    expect(login.message).toEqual({
      text: "AssertionError: login returned the wrong user\nassert (1 + 1) == 3",
      complete: true,
    });
    // The traceback first, then what the test printed (pytest writes <system-out> after <failure>).
    expect(login.output.text).toMatch(/^def test_login\(\):[\s\S]*AssertionError[\s\S]*logging in as alice/);
    expect(cases[1]?.output.text).toContain("token: <secret & stuff>");
  });

  it("reads Vitest's report: the failure first, though Vitest writes its output before it", async () => {
    const { cases, reading } = await parse(fixture("vitest.xml"));
    expect(reading.error).toBeNull();
    expect(summary(cases)).toEqual([
      "failed auth > logs in",
      "failed auth > logs out",
      "passed auth > signs up",
      "skipped auth > resets the password",
    ]);
    expect(cases[0]?.message?.text).toBe("expected 2 to be 3 // Object.is equality");
    expect(cases[0]?.output.text).toMatch(/^AssertionError: expected 2 to be 3[\s\S]*logging in as alice$/);
  });

  it("gives the same answer however the file is cut into chunks", async () => {
    for (const name of ["pytest.xml", "vitest.xml"]) {
      const whole = await parse(fixture(name));
      for (const size of [1, 7, 333]) expect(await parse(fixture(name), { size })).toEqual(whole);
    }
  });

  it("reads Surefire's shape: a <testsuite> root, <error>, CDATA, reruns", async () => {
    // Written by hand in the shape Maven Surefire 3 documents (surefire-test-report-3.0.xsd): no
    // Maven ran here. A flaky rerun that passed (<flakyFailure> alone) is a pass.
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.acme.AppTest" tests="4" errors="1" skipped="1" failures="1">
  <properties><property name="java.version" value="17"/></properties>
  <testcase name="adds" classname="com.acme.AppTest" time="0.01"/>
  <testcase name="divides" classname="com.acme.AppTest"><error message="/ by zero" type="java.lang.ArithmeticException"><![CDATA[java.lang.ArithmeticException: / by zero
	at com.acme.AppTest.divides(AppTest.java:12)]]></error><system-out><![CDATA[dividing <1> by 0]]></system-out></testcase>
  <testcase name="retries" classname="com.acme.AppTest"><flakyFailure message="timeout"/><system-out>x</system-out></testcase>
  <testcase name="fails" classname="com.acme.AppTest"><failure message="expected:&lt;1&gt;"/><rerunFailure message="again"/></testcase>
  <testcase name="later" classname="com.acme.AppTest"><skipped message="not yet"/></testcase>
</testsuite>`;
    const { cases, reading } = await parse(xml);
    expect(reading).toEqual({ root: "testsuite", error: null });
    expect(summary(cases)).toEqual([
      "passed adds",
      "failed divides",
      "passed retries",
      "failed fails",
      "skipped later",
    ]);
    expect(cases[1]?.output.text).toBe(
      "java.lang.ArithmeticException: / by zero\n\tat com.acme.AppTest.divides(AppTest.java:12)\ndividing <1> by 0",
    );
    expect(cases[3]?.message?.text).toBe("expected:<1>");
  });

  it("cuts each text at the limit and says it was cut", async () => {
    const long = "x".repeat(5000);
    const xml = `<testsuite><testcase name="${"n".repeat(50)}"><failure message="${long}">${long}</failure></testcase></testsuite>`;
    const { cases } = await parse(xml, { textLimit: 40 });
    expect(cases[0]?.name).toEqual({ text: "n".repeat(40), complete: false });
    expect(cases[0]?.message).toEqual({ text: "x".repeat(40), complete: false });
    expect(cases[0]?.output).toEqual({ text: "x".repeat(40), complete: false });
  });

  it("counts what came before XML that is not well-formed, and says where it broke", async () => {
    const xml = `<testsuite>\n<testcase name="a"/>\n<testcase name="b"><failure></testcase>\n<testcase name="c"/></testsuite>`;
    const { cases, reading } = await parse(xml);
    expect(summary(cases)).toEqual(["passed a"]);
    expect(reading.error).toMatch(/^line 3, column \d+: Unexpected close tag/);
  });

  it("does not check the end of a file cut at the size cap", async () => {
    const { cases, reading } = await parse(`<testsuite><testcase name="a"/><testcase name="b"`, {
      whole: false,
    });
    expect(reading.error).toBeNull();
    expect(summary(cases)).toEqual(["passed a"]);
    const checked = await parse(`<testsuite><testcase name="a"/><testcase name="b"`);
    expect(checked.reading.error).toMatch(/Unclosed root tag|Unexpected end/);
  });

  it("expands no entity a report declares: no file is read, nothing multiplies", async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<testsuite><testcase name="&xxe;"><failure message="&xxe;">&xxe;</failure></testcase></testsuite>`;
    const laughs = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<testsuite><testcase name="x"><failure>&c;&c;&c;&c;</failure></testcase></testsuite>`;
    const hostname = readFileSync("/etc/hostname", "utf8").trim();
    for (const xml of [xxe, laughs]) {
      const { cases, reading } = await parse(xml);
      expect(reading.error).toMatch(/Invalid character entity/);
      expect(JSON.stringify(cases)).not.toContain(hostname);
      expect(JSON.stringify(cases)).not.toContain("aaaaaaaaaa");
    }
  });

  it(`stops at elements nested more than ${MAX_DEPTH} deep`, async () => {
    const deep = `${"<a>".repeat(MAX_DEPTH + 1)}${"</a>".repeat(MAX_DEPTH + 1)}`;
    expect((await parse(deep)).reading.error).toMatch(/nested more than 64 deep/);
    const fine = `${"<a>".repeat(MAX_DEPTH)}${"</a>".repeat(MAX_DEPTH)}`;
    expect((await parse(fine)).reading.error).toBeNull();
  });

  it(`stops at an element with more than ${MAX_ATTRIBUTES} attributes`, async () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}="1"`).join("");
    expect((await parse(`<testsuite${attrs(MAX_ATTRIBUTES + 1)}/>`)).reading.error).toMatch(
      /more than 256 attributes/,
    );
    expect((await parse(`<testsuite${attrs(MAX_ATTRIBUTES)}/>`)).reading.error).toBeNull();
  });

  it("stops at a name or attribute longer than sax's buffer (64 KiB), and hands long text over in pieces", async () => {
    const huge = "y".repeat(200_000);
    expect((await parse(`<testsuite><testcase name="${huge}"/></testsuite>`)).reading.error).toMatch(
      /Max buffer length exceeded: attribValue/,
    );
    expect((await parse(`<testsuite><${huge}/></testsuite>`)).reading.error).toMatch(
      /Max buffer length exceeded/,
    );
    // Text and CDATA are not errors: they come in pieces, of which the first textLimit characters are kept.
    const text = `<testsuite><testcase name="t"><failure>${huge}</failure><system-out><![CDATA[${huge}]]></system-out></testcase></testsuite>`;
    const { cases, reading } = await parse(text, { textLimit: 100 });
    expect(reading.error).toBeNull();
    expect(cases[0]?.output).toEqual({ text: "y".repeat(100), complete: false });
  });

  it("streams: each testcase is handed over as soon as its chunk is written, nothing is held for the end", async () => {
    // Memory independent of the report's size, shown structurally: the reader is never more than
    // the chunk it is given ahead of what it handed over, so a report of any length costs the same.
    const cases: ParsedCase[] = [];
    let mostBehind = 0;
    async function* endless(): AsyncIterable<string> {
      yield "<testsuites><testsuite>";
      for (let i = 0; i < 5000; i++) {
        yield `<testcase name="t${i}"><failure>${"x".repeat(100)}</failure></testcase>`;
        mostBehind = Math.max(mostBehind, i + 1 - cases.length);
      }
      yield "</testsuite></testsuites>";
    }
    const reading = await parseJunit(endless(), (c) => cases.push(c), { textLimit: 10, whole: () => true });
    expect(reading.error).toBeNull();
    expect(cases).toHaveLength(5000);
    expect(mostBehind).toBe(0);
  });

  it("is not a JUnit report when the root is something else (the caller says so)", async () => {
    const { cases, reading } = await parse(`<project><testcase name="looks like one"/></project>`);
    expect(reading.root).toBe("project");
    expect(cases).toHaveLength(1);
  });
});
