import { z } from "zod";
import { configParser } from "../../../shared/config";
import { sampleRateSchema } from "../../../shared/log-sampling";
import { strongSecret } from "../../../shared/strong-secret";
import type { TracedEnv } from "../app-env";
import { DEFAULT_CLICK_BATCH_WINDOW_MS } from "./click-batch";

/**
 * What the redirect path (this folder) reads from its env: the links database (a slug the read
 * model does not know yet, dropped click batches, a link's password hash), the REDIRECTS read
 * model, the click topic and spool, the click settings, the click caps (LINK_CLICK_CAP), the
 * password guesses' limit (RL_GUESSES), whether the country header counts (TRUST_COUNTRY_HEADER,
 * local only) and the preview service (PREVIEW: a link-preview crawler's page). Both Workers that
 * run it provide it: the api (ApiEnv) and the edge (EdgeEnv), which holds none of the api's other
 * bindings or secrets.
 */
export type RedirectEnv = Pick<
  ApiEnv,
  | "LINKS_DB"
  | "REDIRECTS"
  | "CLICK_EVENTS"
  | "CLICK_SPOOL"
  | "SHORT_BASE_URL"
  | "CLICK_LOG_SAMPLE_RATE"
  | "CLICK_BATCH_WINDOW_MS"
  | "VISITOR_HASH_SECRET"
  | "LINK_CLICK_CAP"
  | "RL_GUESSES"
  | "TRUST_COUNTRY_HEADER"
  | "PREVIEW"
>;

/** Hono's typing of the redirect route, in either Worker. */
export interface RedirectAppEnv extends TracedEnv {
  Bindings: RedirectEnv;
}

/** The click path's settings: part of the api's config (config.ts spreads this shape) and all the edge parses. */
export const clickSettingsShape = {
  VISITOR_HASH_SECRET: strongSecret("VISITOR_HASH_SECRET"),
  /** Share of clicks whose detail is logged, by trace id (optional var; README "Clicks are telemetry"). */
  CLICK_LOG_SAMPLE_RATE: sampleRateSchema,
  /** How long an isolate packs clicks into one batch before sending it (optional var; README "Clicks are telemetry"). */
  CLICK_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_CLICK_BATCH_WINDOW_MS),
};

export const clickSettingsOf: (env: RedirectEnv) => z.infer<z.ZodObject<typeof clickSettingsShape>> = configParser("redirect", z.object(clickSettingsShape));
