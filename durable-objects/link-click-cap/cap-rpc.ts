import { z } from "zod";
import { MAX_CLICKS_CAP } from "#events";

// The LinkClickCap's contract with its callers (the redirect path, in the api and the edge
// Workers): the RPC input and result.

/**
 * The cap the caller read from the link (`maxClicks`), passed on every call: the object keeps
 * only the count, so a PATCH that raises the cap re-opens the link on its next click.
 */
export const capMaxSchema = z.number().int().min(1).max(MAX_CLICKS_CAP);

export interface CapAnswer {
  /** take: the use was counted. peek: a use would be counted now. */
  allowed: boolean;
  /** Human clicks counted so far, this one included when it was. */
  used: number;
}
