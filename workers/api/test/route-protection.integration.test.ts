import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../src/app";
import { ADMIN, api, createTeam, newClientAddress } from "./helpers";

/**
 * Every route is guarded by the router it is mounted in (auth/routers.ts). These tests ask the
 * running Worker about every operation of its OpenAPI document, so a route added anywhere is
 * checked without being listed here; only the public ones are.
 */

/** Documented operations anyone may call: the live feed's WebSocket checks a feed token (in its query) instead of a key. */
const PUBLIC_OPERATIONS = ["GET /v1/feed"];

/** Routes outside the OpenAPI document, all public: health, the document and its page, the dashboard's assets, short links and a protected link's password form post. */
const PUBLIC_UNDOCUMENTED = [
  "GET /healthz",
  "GET /openapi.json",
  "GET /docs",
  "GET /docs-ui/*",
  "GET /dashboard",
  "GET /dashboard/*",
  "GET /:slug",
  "POST /:slug",
];

const METHODS = ["get", "post", "put", "patch", "delete"];

const documentSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.object({ security: z.array(z.record(z.string(), z.array(z.string()))).optional() }))),
});

interface Operation {
  /** "GET /v1/links/{id}", as the document names it. */
  name: string;
  method: string;
  /** The path with every parameter filled in: the guard answers before any parameter is looked at. */
  url: string;
  schemes: string[];
}

async function documentedOperations(): Promise<Operation[]> {
  const doc = documentSchema.parse(await (await api("/openapi.json")).json());
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        url: path.replaceAll(/\{[^}]+\}/g, "x"),
        schemes: (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)),
      })),
  );
}

/** Each request from an address of its own: refused credentials count against the address (README "Limits"). */
function call(operation: Operation, credentials: Record<string, string>): Promise<Response> {
  return api(operation.url, { method: operation.method, headers: { ...credentials, "cf-connecting-ip": newClientAddress() } });
}

async function statusLine(operation: Operation, res: Response): Promise<string> {
  const body = await res.text();
  return `${operation.name}: ${res.status} ${body.slice(0, 120)}`;
}

describe("every route protects itself", () => {
  it("serves no route that is neither in the OpenAPI document nor on the public list", async () => {
    const documented = new Set((await documentedOperations()).map((o) => o.name.replaceAll(/\{([^}]+)\}/g, ":$1")));
    // Middleware is registered for ALL methods; every handler has its own.
    const served = new Set(
      createApp()
        .routes.filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path}`),
    );
    expect([...served].filter((route) => !documented.has(route)).sort()).toEqual([...PUBLIC_UNDOCUMENTED].sort());
    expect([...documented].filter((operation) => !served.has(operation))).toEqual([]);
  });

  it("documents one credential for every operation but the public ones, and none for those", async () => {
    const operations = await documentedOperations();
    expect(operations.map((o) => o.name)).toEqual(expect.arrayContaining(PUBLIC_OPERATIONS));
    const declared = operations.map((o) => `${o.name}: ${o.schemes.join(",") || "public"}`);
    const expected = operations.map((o) => {
      if (PUBLIC_OPERATIONS.includes(o.name)) return `${o.name}: public`;
      return `${o.name}: ${o.name.includes(" /v1/admin/") ? "adminToken" : "apiKey"}`;
    });
    expect(declared).toEqual(expected);
  });

  it("answers 401 unauthorized without credentials on every operation but the public ones", async () => {
    const operations = (await documentedOperations()).filter((o) => !PUBLIC_OPERATIONS.includes(o.name));
    expect(operations.length).toBeGreaterThan(20);
    const reachable: string[] = [];
    for (const operation of operations) {
      const res = await call(operation, {});
      const line = await statusLine(operation, res);
      if (res.status !== 401 || !line.includes('"code":"unauthorized"') || res.headers.get("www-authenticate") !== "Bearer") reachable.push(line);
    }
    expect(reachable).toEqual([]);
  });

  it("refuses a team key on every admin operation and the admin token on every team operation, and lets each past its own guard once", async () => {
    const team = await createTeam("Route guards");
    const operations = (await documentedOperations()).filter((o) => !PUBLIC_OPERATIONS.includes(o.name));
    const admin = operations.filter((o) => o.schemes.includes("adminToken"));
    const teamScoped = operations.filter((o) => o.schemes.includes("apiKey"));
    expect(admin.length).toBeGreaterThan(5);
    expect(teamScoped.length).toBeGreaterThan(15);

    const wrongCredentialAdmitted: string[] = [];
    const ownCredentialRefused: string[] = [];
    for (const [operation, own, wrong] of [...admin.map((o) => [o, ADMIN, team.auth] as const), ...teamScoped.map((o) => [o, team.auth, ADMIN] as const)]) {
      const refused = await call(operation, wrong);
      if (refused.status !== 401) wrongCredentialAdmitted.push(await statusLine(operation, refused));
      const admitted = await call(operation, own);
      // Past the guard, whatever the route then says of the placeholder ids and missing bodies.
      if (admitted.status === 401 || admitted.status === 403) ownCredentialRefused.push(await statusLine(operation, admitted));
      // requireTeam appends the key's RateLimit headers each time it runs: one member means it ran once.
      if (own === team.auth && !/^"api";q=\d+;w=\d+$/.test(admitted.headers.get("ratelimit-policy") ?? "")) {
        ownCredentialRefused.push(`${operation.name}: RateLimit-Policy ${admitted.headers.get("ratelimit-policy")}`);
      }
    }
    expect(wrongCredentialAdmitted).toEqual([]);
    expect(ownCredentialRefused).toEqual([]);
  });

  it("guards every path under a team router's prefix, routes or not", async () => {
    for (const path of ["/v1/links/x/y/z", "/v1/stats/x", "/v1/usage/x", "/v1/feed/token/x", "/v1/events/x/y", "/v1/webhooks/x/y/z/w/v"]) {
      const res = await api(path, { headers: { "cf-connecting-ip": newClientAddress() } });
      expect(res.status, path).toBe(401);
    }
  });
});
