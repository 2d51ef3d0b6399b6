import { z } from "zod";
import { configParser } from "../../../shared/config";

/**
 * The qr Worker's vars (workers/shared/config.ts parses them once per env object). SHORT_BASE_URL must be
 * the api Worker's short base (its SHORT_BASE_URL, or its origin when that is empty):
 * the qr Worker cannot see the api's requests, so it needs the value spelt out.
 */
const configSchema = z.object({
  SHORT_BASE_URL: z.url({ protocol: /^https?$/, error: "SHORT_BASE_URL must be an http(s) URL, the api's short base" }),
});

export type QrConfig = z.infer<typeof configSchema>;

export const qrConfigOf: (env: QrEnv) => QrConfig = configParser("qr", configSchema);
