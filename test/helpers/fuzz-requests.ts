/**
 * A seeded generator of hostile HTTP requests for the route fuzz test (issue 8): every route, with
 * methods, paths, queries, headers and bodies drawn from shapes that broke or could break a
 * handler (non-string JSON fields, repeated keys, odd content types, huge numbers, traversal,
 * control characters). Deterministic for a seed, so a failure is reproduced by its seed and index.
 */

export interface FuzzRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "OPTIONS" | "PATCH";
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** mulberry32: small, fast, and good enough to spread inputs; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzTargets {
  /** Route patterns with `:param` placeholders, e.g. /builds/:id/steps/:step/raw. */
  readonly routes: readonly string[];
  /** Strings worth sending sometimes because they pass a first check (a real token, a real secret). */
  readonly known: readonly string[];
}

const METHODS: FuzzRequest["method"][] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];
const CONTENT_TYPES = [
  "application/x-www-form-urlencoded",
  "application/x-www-form-urlencoded; charset=utf-8",
  "application/json",
  "application/json; charset=latin1",
  "text/plain",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "",
  "application/x-www-form-urlencoded, application/json",
  "text/html",
];
const KEYS = [
  "token",
  "text",
  "user_id",
  "user_name",
  "channel_id",
  "channel_name",
  "command",
  "team_id",
  "response_url",
  "trigger_id",
  "context",
  "post_id",
  "csrf",
  "user",
  "password",
  "next",
  "from",
  "repo",
  "branch",
  "status",
  "requester",
  "before",
  "limit",
  "__proto__",
  "constructor",
  "toString",
];
const WORDS = [
  "",
  "0",
  "1",
  "-1",
  "99999999999999999999",
  "1e309",
  "NaN",
  "app",
  "main",
  "root",
  "admin",
  "../../etc/passwd",
  "%2e%2e%2f",
  "<script>alert(1)</script>",
  "'; DROP TABLE builds; --",
  "$(id)",
  "`id`",
  "\u0000",
  "\uFFFF",
  "\uD800",
  "💥",
  "a".repeat(300),
  "status",
  "stop 1",
  "rebuild 1 --again",
  "app main --again",
  "help",
  "list",
  "//evil.example",
  "https://evil.example/",
  "/builds/1",
];

/** encodeURIComponent, with lone surrogates (which it refuses) sent as U+FFFD, as a browser would. */
function encode(text: string): string {
  return encodeURIComponent(
    text.replace(/[\uD800-\uDFFF]/g, (c, at: number, all: string) => {
      const code = c.charCodeAt(0);
      const pair =
        code < 0xdc00 ? /[\uDC00-\uDFFF]/.test(all[at + 1] ?? "") : /[\uD800-\uDBFF]/.test(all[at - 1] ?? "");
      return pair ? c : "\uFFFD";
    }),
  );
}

export function createFuzzer(seed: number, targets: FuzzTargets): () => FuzzRequest {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const chance = (p: number) => random() < p;

  const word = (): string => {
    const roll = random();
    if (roll < 0.5) return pick(WORDS);
    if (roll < 0.7) return pick(targets.known);
    if (roll < 0.85) return String(int(20));
    let junk = "";
    for (let k = int(12); k > 0; k--) junk += String.fromCharCode(int(0x3000));
    return junk;
  };

  const json = (depth: number): unknown => {
    const roll = int(depth > 2 ? 5 : 8);
    switch (roll) {
      case 0:
        return word();
      case 1:
        return int(1000) - 500;
      case 2:
        return chance(0.5) ? null : chance(0.5);
      case 3:
        return 2 ** 60 * (chance(0.5) ? 1 : -1);
      case 4:
        return 1.5;
      case 5:
        return Array.from({ length: int(4) }, () => json(depth + 1));
      default: {
        const value: Record<string, unknown> = {};
        for (let k = int(6); k > 0; k--) value[pick(KEYS)] = json(depth + 1);
        if (chance(0.3))
          value.context = {
            action: pick(["stop", "rebuild", "log", "x"]),
            build: json(depth + 2),
            sig: word(),
            post: word(),
            exp: json(depth + 2),
          };
        return value;
      }
    }
  };

  const form = (): string => {
    const params: string[] = [];
    for (let k = int(10); k > 0; k--) {
      const key = chance(0.1) ? `${pick(KEYS)}[${pick(["", "0", "x"])}]` : pick(KEYS);
      params.push(`${encode(key)}=${chance(0.05) ? "%zz" : encode(word())}`);
    }
    return params.join("&");
  };

  const path = (): string => {
    if (chance(0.05)) return `/${encode(word())}`;
    return pick(targets.routes).replace(/:[a-z]+/g, () =>
      chance(0.6) ? String(int(5)) : encode(word()).slice(0, 80) || "x",
    );
  };

  return () => {
    const method = chance(0.45) ? "GET" : chance(0.75) ? "POST" : pick(METHODS);
    let url = path();
    if (chance(0.4)) url += `?${form()}`;
    const headers: Record<string, string> = {};
    if (chance(0.15))
      headers.host = pick([
        "evil.example",
        "127.0.0.1",
        "localhost:8080",
        "ci.example.com:8080",
        "[::1]",
        "",
        "a b",
      ]);
    if (chance(0.2))
      headers.origin = pick([
        "http://evil.example",
        "null",
        "http://ci.example.com:8080",
        "http://localhost",
      ]);
    if (chance(0.1))
      headers.referer = pick(["http://ci.example.com:8080/", "garbage", "http://evil.example/"]);
    if (chance(0.25)) headers.cookie = `sb_session=${word()}; sb_login=${word()}`;
    if (chance(0.15))
      headers.authorization =
        pick(["Token ", "Bearer ", "Basic ", ""]) + (chance(0.5) ? pick(targets.known) : word());
    if (chance(0.05)) headers["x-slashbuild-secret"] = pick(targets.known);
    if (chance(0.05)) headers.range = pick(["bytes=0-10", "bytes=-5", "bytes=9999999999-", "bytes=a-b"]);
    if (chance(0.05)) headers.accept = pick(["text/event-stream", "application/json", "*/*"]);
    const request: FuzzRequest = { method, url, headers };
    if (method !== "GET" && method !== "HEAD" && chance(0.9)) {
      const type = pick(CONTENT_TYPES);
      if (type !== "") headers["content-type"] = type;
      const roll = random();
      if (roll < 0.4) request.payload = form();
      else if (roll < 0.8) request.payload = JSON.stringify(json(0)) ?? "null";
      else if (roll < 0.9) request.payload = Buffer.from(Array.from({ length: int(64) }, () => int(256)));
      else request.payload = `{"token":${pick(["[123]", "{}", "null", "1", '"x"'])}`;
    }
    return request;
  };
}
