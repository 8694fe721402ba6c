import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import Fastify, { type FastifyInstance, type LightMyRequestResponse, type RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { fileLogStreamSource } from "../../../src/web/log/file-log-stream-source.js";
import { webRoutes } from "../../../src/web/web-routes.js";
import { WebApp } from "../../helpers/web-app.js";

/**
 * docs/openapi.yaml against the server: the /api routes webRoutes registers (read from Fastify's
 * route table, so a route added later is caught) and the documented paths are the same set, and
 * real answers, refusals included, have a documented status and match its schema (strict: a field
 * the description lacks fails, and so does a missing one).
 */

interface Operation {
  readonly responses: Record<string, { $ref?: string; content?: Record<string, { schema: object }> }>;
}
interface OpenApi {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: {
    schemas: Record<string, object>;
    responses: Record<string, Operation["responses"][string]>;
  };
}

const doc = parse(readFileSync(new URL("../../../docs/openapi.yaml", import.meta.url), "utf8")) as OpenApi;
// zod reads JSON Schema with local references: the components become the root's $defs.
const defs = JSON.parse(
  JSON.stringify(doc.components.schemas).replaceAll("#/components/schemas/", "#/$defs/"),
);

/** The documented schema of the answer to `method docPath` with this status (fails when undocumented). */
function schemaOf(method: string, docPath: string, status: number): z.ZodType {
  const operation = doc.paths[docPath]?.[method.toLowerCase()];
  expect(operation, `${method} ${docPath} is documented`).toBeDefined();
  let answer = operation?.responses[String(status)];
  expect(answer, `${method} ${docPath} documents ${status}`).toBeDefined();
  if (answer?.$ref) answer = doc.components.responses[answer.$ref.split("/").at(-1) as string];
  const schema = answer?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${docPath} ${status} has a JSON schema`).toBeDefined();
  const local = JSON.parse(JSON.stringify(schema).replaceAll("#/components/schemas/", "#/$defs/"));
  return z.fromJSONSchema({ ...local, $defs: defs } as never);
}

const checked = new Set<string>();
function expectDocumented(method: string, docPath: string, answer: LightMyRequestResponse): unknown {
  const body: unknown = answer.json();
  const result = schemaOf(method, docPath, answer.statusCode).safeParse(body);
  expect(
    result.error?.issues ?? [],
    `${method} ${docPath} ${answer.statusCode}: ${answer.body.slice(0, 300)}`,
  ).toEqual([]);
  checked.add(`${method} ${docPath} ${answer.statusCode}`);
  return body;
}

const READER = "r".repeat(40);
const DEPLOYER = "d".repeat(40);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let web: WebApp;
beforeAll(async () => {
  web = await WebApp.start({
    read: "signed_in",
    users: { bob: "pw-bob" },
    commands: [`echo one; while [ ! -f "$GATE/go" ]; do sleep 0.05; done`],
    extra: {
      api: { tokens: { reader: { token: READER }, deployer: { token: DEPLOYER, can: ["rebuild", "stop"] } } },
    },
  });
}, 60_000);
afterAll(async () => {
  await web.close();
});

describe("docs/openapi.yaml", () => {
  it("describes every /api route the web UI registers, and no path that is not one", async () => {
    const routes: RouteOptions[] = [];
    const server: FastifyInstance = Fastify();
    server.addHook("onRoute", (route) => {
      routes.push(route);
    });
    await server.register(webRoutes, {
      service: web.app.service,
      config: web.app.config,
      logs: fileLogStreamSource(web.app.local.logs),
    });
    await server.ready();
    await server.close();
    const registered = routes
      .filter((route) => route.url.startsWith("/api"))
      .flatMap((route) => [route.method].flat().map((method) => `${method} ${route.url}`))
      .filter((entry) => !entry.startsWith("HEAD "));
    const documented = Object.entries(doc.paths).flatMap(([p, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(registered.length).toBeGreaterThanOrEqual(4);
    expect(new Set(registered)).toEqual(new Set(documented));
  });

  it("matches the server's real answers, refusals included", async () => {
    const inject = web.app.server.inject.bind(web.app.server);
    // A finished build, then builds that wait at the gate until the test is done with them.
    await writeFile(path.join(web.gate, "go"), "");
    const done = await web.requestBuild();
    await web.waitForStatus(done.id, (b) => b.status === "succeeded");
    const second = await web.requestBuild();
    await web.waitForStatus(second.id, (b) => b.status === "succeeded");
    await rm(path.join(web.gate, "go"));

    const list = expectDocumented(
      "GET",
      "/api/builds",
      await inject({ url: "/api/builds", headers: bearer(READER) }),
    );
    expect(list).toMatchObject({
      builds: [{ id: second.id, requesterId: "uid-alice" }, { id: done.id }],
      next: null,
    });
    const paged = expectDocumented(
      "GET",
      "/api/builds",
      await inject({ url: "/api/builds?limit=1&repo=app", headers: bearer(READER) }),
    ) as { next: string };
    expect(paged.next).toBe(`/api/builds?repo=app&before=${second.id}&limit=1`);
    const older = await inject({ url: paged.next, headers: bearer(READER) });
    expect(expectDocumented("GET", "/api/builds", older)).toMatchObject({
      builds: [{ id: done.id }],
      next: null,
    });
    expectDocumented(
      "GET",
      "/api/builds",
      await inject({ url: "/api/builds?status=broken", headers: bearer(READER) }),
    );
    expectDocumented("GET", "/api/builds", await inject({ url: "/api/builds" }));
    expectDocumented("GET", "/api/builds", await inject({ url: "/api/builds", headers: bearer("nope") }));

    expectDocumented(
      "GET",
      "/api/builds/{id}",
      await inject({ url: `/api/builds/${done.id}`, headers: bearer(READER) }),
    );
    expectDocumented(
      "GET",
      "/api/builds/{id}",
      await inject({ url: "/api/builds/999999", headers: bearer(READER) }),
    );
    expectDocumented("GET", "/api/builds/{id}", await inject({ url: `/api/builds/${done.id}` }));

    const rebuild = (token: string | null) =>
      inject({ method: "POST", url: `/api/builds/${done.id}/rebuild`, headers: token ? bearer(token) : {} });
    expectDocumented("POST", "/api/builds/{id}/rebuild", await rebuild(null));
    expectDocumented("POST", "/api/builds/{id}/rebuild", await rebuild(READER));
    const fresh = await rebuild(DEPLOYER);
    expect(fresh.statusCode).toBe(201);
    const { build } = expectDocumented("POST", "/api/builds/{id}/rebuild", fresh) as {
      build: { id: number };
    };
    const again = await rebuild(DEPLOYER);
    expect(again.statusCode).toBe(200);
    expect(expectDocumented("POST", "/api/builds/{id}/rebuild", again)).toMatchObject({
      build: { id: build.id },
      duplicate: true,
    });
    expectDocumented(
      "POST",
      "/api/builds/{id}/rebuild",
      await inject({ method: "POST", url: "/api/builds/999999/rebuild", headers: bearer(DEPLOYER) }),
    );

    const stop = (id: number, token: string) =>
      inject({ method: "POST", url: `/api/builds/${id}/stop`, headers: bearer(token) });
    expectDocumented("POST", "/api/builds/{id}/stop", await stop(build.id, READER));
    const stopped = await stop(build.id, DEPLOYER);
    expect(stopped.statusCode).toBe(202);
    expectDocumented("POST", "/api/builds/{id}/stop", stopped);
    await web.waitForStatus(build.id, (b) => b.status === "cancelled");
    expectDocumented("POST", "/api/builds/{id}/stop", await stop(build.id, DEPLOYER));

    // Wrong tokens from one address until it must wait: 429 with Retry-After.
    let throttled: LightMyRequestResponse | null = null;
    for (let n = 0; n < 30 && throttled === null; n++) {
      const answer = await inject({
        url: "/api/builds",
        remoteAddress: "192.0.2.1",
        headers: bearer(`w${n}`),
      });
      if (answer.statusCode === 429) throttled = answer;
    }
    expect(throttled?.headers["retry-after"]).toBeDefined();
    expectDocumented("GET", "/api/builds", throttled as LightMyRequestResponse);

    expect([...checked].sort()).toEqual(
      [
        "GET /api/builds 200",
        "GET /api/builds 400",
        "GET /api/builds 401",
        "GET /api/builds 429",
        "GET /api/builds/{id} 200",
        "GET /api/builds/{id} 401",
        "GET /api/builds/{id} 404",
        "POST /api/builds/{id}/rebuild 200",
        "POST /api/builds/{id}/rebuild 201",
        "POST /api/builds/{id}/rebuild 401",
        "POST /api/builds/{id}/rebuild 403",
        "POST /api/builds/{id}/rebuild 404",
        "POST /api/builds/{id}/stop 202",
        "POST /api/builds/{id}/stop 403",
        "POST /api/builds/{id}/stop 409",
      ].sort(),
    );
  }, 60_000);

  it("its schemas are strict: an answer with a field too many or too few fails", () => {
    const schema = schemaOf("GET", "/api/builds/{id}", 200);
    const build = web.app.service.listBuilds({ limit: 1 })[0];
    expect(schema.safeParse(JSON.parse(JSON.stringify(build))).success).toBe(true);
    expect(schema.safeParse({ ...JSON.parse(JSON.stringify(build)), secret: "x" }).success).toBe(false);
    const { status: _status, ...withoutStatus } = JSON.parse(JSON.stringify(build));
    expect(schema.safeParse(withoutStatus).success).toBe(false);
  });
});
