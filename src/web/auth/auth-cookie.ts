/**
 * A Set-Cookie value for sign-in's cookies: HttpOnly (no script reads them), SameSite=Lax, on the
 * whole site; Secure where public_url is https. Max-Age 0 clears the cookie.
 */
export function authCookie(name: string, value: string, maxAgeMs: number, secure: boolean): string {
  const attributes = [
    `${name}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
  ];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}
