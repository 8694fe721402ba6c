import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { DeviceCookies } from "../../../../src/web/auth/device-cookie.js";

const SECRET = "d".repeat(40);

function withCookie(setCookie: string): FastifyRequest {
  return { headers: { cookie: setCookie.split(";")[0] } } as unknown as FastifyRequest;
}

describe("DeviceCookies", () => {
  it("marks a browser for one user: sent to /login only, unreadable by scripts, Secure when asked", () => {
    const devices = new DeviceCookies(SECRET, true, () => 0);
    const cookie = devices.issue("Bob");
    expect(cookie).toMatch(
      /^sb_device=[^;]+; Path=\/login; HttpOnly; SameSite=Strict; Max-Age=7776000; Secure$/,
    );
    const id = devices.idFor(withCookie(cookie), "bob");
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Each sign-in marks the browser afresh.
    expect(devices.idFor(withCookie(devices.issue("bob")), "bob")).not.toBe(id);
  });

  it("is worth nothing for another user, altered, signed with another secret, or expired", () => {
    let now = 0;
    const devices = new DeviceCookies(SECRET, false, () => now);
    const cookie = devices.issue("bob");
    expect(cookie).not.toContain("Secure");
    expect(devices.idFor(withCookie(cookie), "carol")).toBeNull();
    const [name, token = ""] = (cookie.split(";")[0] ?? "").split("=");
    const forged = Buffer.from(JSON.stringify({ u: "carol", d: "x", e: 1e15 })).toString("base64url");
    expect(devices.idFor(withCookie(`${name}=${forged}.${token.split(".")[1]}`), "carol")).toBeNull();
    expect(new DeviceCookies("e".repeat(40), false, () => now).idFor(withCookie(cookie), "bob")).toBeNull();
    expect(devices.idFor(withCookie("sb_session=abc"), "bob")).toBeNull();
    now += 90 * 24 * 3_600_000;
    expect(devices.idFor(withCookie(cookie), "bob")).toBeNull();
  });
});
