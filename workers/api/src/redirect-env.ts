/**
 * What the redirect path (workers/api/src/redirect/) reads from its env: the links database
 * (a slug the read model does not know yet, dropped click batches), the REDIRECTS read model,
 * the click topic and spool, and the vars of the click path. Both Workers that run it provide
 * it: the api (ApiEnv) and the edge (EdgeEnv).
 *
 * A proposal: the redirect modules are typed with ApiEnv today, and the click path reads its
 * settings through configOf (config.ts), which parses the api's whole config, api-only secrets
 * (ADMIN_TOKEN, FEED_TOKEN_SECRET) included. Once they take a RedirectEnv (and parse only the
 * click settings), edge.ts's adapter (redirectEnvOf) can go.
 */
export type RedirectEnv = Pick<
  ApiEnv,
  "LINKS_DB" | "REDIRECTS" | "CLICK_EVENTS" | "CLICK_SPOOL" | "SHORT_BASE_URL" | "CLICK_LOG_SAMPLE_RATE" | "CLICK_BATCH_WINDOW_MS" | "VISITOR_HASH_SECRET"
>;
