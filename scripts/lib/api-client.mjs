// The few admin calls of the public API (API.md "Auth") that local tooling needs.

/**
 * @param {string} baseUrl
 * @param {string} adminToken
 * @param {string} path
 * @param {unknown} body
 */
async function adminPost(baseUrl, adminToken, path, body) {
  const res = await fetch(new URL(path, baseUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

/**
 * Creates a team and returns its id and first API key.
 * @param {string} baseUrl
 * @param {string} adminToken
 * @param {{ name?: string, plan?: "free" | "pro" }} [team]
 * @returns {Promise<{ teamId: string, apiKey: string }>}
 */
export async function createDemoTeam(baseUrl, adminToken, { name = "Demo", plan = "pro" } = {}) {
  const res = await adminPost(baseUrl, adminToken, "/v1/admin/teams", { name, plan });
  if (res.status !== 201) throw new Error(`POST /v1/admin/teams answered ${res.status}: ${res.text}`);
  return { teamId: res.body.team.id, apiKey: res.body.apiKey };
}

/**
 * Mints another API key for an existing team; undefined when the team does not exist (404).
 * @param {string} baseUrl
 * @param {string} adminToken
 * @param {string} teamId
 * @param {string} [name]
 * @returns {Promise<string | undefined>}
 */
export async function mintApiKey(baseUrl, adminToken, teamId, name = "npm run dev") {
  const res = await adminPost(baseUrl, adminToken, `/v1/admin/teams/${encodeURIComponent(teamId)}/keys`, { name });
  if (res.status === 404) return undefined;
  if (res.status !== 201) throw new Error(`POST /v1/admin/teams/${teamId}/keys answered ${res.status}: ${res.text}`);
  return res.body.apiKey;
}
