import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { SlashbuildError } from "../../../src/core/errors.js";
import { errorHandler, INTERNAL_ERROR } from "../../../src/http/error-handler.js";

describe("errorHandler", () => {
  const app = Fastify({ logger: false, bodyLimit: 16 });
  app.setErrorHandler(errorHandler);
  app.get("/refused", async () => {
    throw new SlashbuildError("BUILD_UNKNOWN", "There is no build 9.");
  });
  app.get("/broken", async () => {
    throw Object.assign(new Error("disk I/O error in /var/lib/slashbuild/db"), { code: "SQLITE_IOERR" });
  });
  app.post("/echo", async (request) => request.body);
  afterAll(() => app.close());

  it("answers a SlashbuildError with its code, status and message", async () => {
    const answer = await app.inject({ url: "/refused" });
    expect([answer.statusCode, answer.json()]).toEqual([
      404,
      { error: "BUILD_UNKNOWN", message: "There is no build 9." },
    ]);
  });

  it("answers anything else with INTERNAL and a 500 that says nothing of the error", async () => {
    const answer = await app.inject({ url: "/broken" });
    expect(INTERNAL_ERROR).toBe("INTERNAL");
    expect([answer.statusCode, answer.json()]).toEqual([
      500,
      { error: "INTERNAL", message: "slashbuild hit an internal error; the log has the details." },
    ]);
  });

  it("keeps Fastify's own 4xx code and status", async () => {
    const answer = await app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ far: "more than sixteen bytes" }),
    });
    expect(answer.statusCode).toBe(413);
    expect(answer.json().error).toBe("FST_ERR_CTP_BODY_TOO_LARGE");
  });
});
