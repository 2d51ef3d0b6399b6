import { isUniqueViolation } from "../db";
import { ApiError, errorBody, zodIssues } from "../http/errors";
import { createLinkSchema, type CreateLinkInput } from "./link-schemas";
import { buildLinkCreation, checkLinkPolicyOrThrow, createCheckedLink, passwordHashOf, type LinkChange, type LinkWriteContext } from "./link-service";
import { slugsTaken } from "./link-store";
import { insertLinksWithEvents } from "./link-writes";
import { generateSlug } from "./slug";

interface Pending {
  index: number;
  input: CreateLinkInput;
  change: LinkChange;
}

/** A failed item keeps the ApiError it failed with (`cause`: its headers, e.g. Retry-After) beside its body. */
export type BulkOutcome = { ok: true; change: LinkChange } | { ok: false; error: ReturnType<typeof errorBody>["error"]; cause: ApiError };

function failure(error: ApiError): BulkOutcome {
  return { ok: false, error: errorBody(error.code, error.message, error.issues).error, cause: error };
}

/**
 * When nothing was created and a limit refused items, the error the whole request answers with
 * (as a single create would): the monthly quota first, it does not pass in a minute.
 */
export function bulkRefusal(outcomes: BulkOutcome[]): ApiError | undefined {
  if (outcomes.some((o) => o.ok)) return undefined;
  const causes = outcomes.flatMap((o) => (o.ok ? [] : [o.cause]));
  return causes.find((e) => e.code === "quota_exceeded") ?? causes.find((e) => e.code === "rate_limited");
}

/**
 * Creates up to 100 links: each item is validated on its own, slugs are checked in
 * one query, and every valid link (with its event) is written in one D1 batch. If a
 * concurrent request takes a slug in between, the batch is redone item by item.
 * Links beyond the team's monthly quota fail with `quota_exceeded`, beyond its links a
 * minute with `rate_limited`.
 */
export async function bulkCreateLinks(items: unknown[], ctx: LinkWriteContext): Promise<BulkOutcome[]> {
  const now = new Date();
  const outcomes: (BulkOutcome | null)[] = [];
  const pending: Pending[] = [];
  const seenSlugs = new Set<string>();

  for (const [index, item] of items.entries()) {
    const parsed = createLinkSchema.safeParse(item);
    if (!parsed.success) {
      outcomes.push(failure(ApiError.invalid("The link is not valid.", zodIssues(parsed.error))));
      continue;
    }
    try {
      checkLinkPolicyOrThrow(parsed.data, ctx, now);
    } catch (error) {
      if (error instanceof ApiError) {
        outcomes.push(failure(error));
        continue;
      }
      throw error;
    }
    const slug = parsed.data.slug ?? generateSlug();
    if (seenSlugs.has(slug)) {
      outcomes.push(failure(new ApiError("conflict", `The slug "${slug}" appears twice in this request.`, [{ path: "slug", message: "is taken" }])));
      continue;
    }
    seenSlugs.add(slug);
    outcomes.push(null);
    // Hashing a password is slow on purpose (PBKDF2, link-password.ts): only valid items pay it, once.
    const passwordHash = (await passwordHashOf(parsed.data.password)) ?? null;
    pending.push({ index, input: parsed.data, change: buildLinkCreation(parsed.data, slug, ctx, now, passwordHash) });
  }

  const taken = await slugsTaken(
    ctx.db,
    pending.map((p) => p.change.row.slug),
  );
  const batch: Pending[] = [];
  const oneByOne: Pending[] = [];
  for (const p of pending) {
    if (!taken.has(p.change.row.slug)) batch.push(p);
    else if (p.input.slug === undefined)
      oneByOne.push(p); // a generated slug collided: createCheckedLink draws again
    else outcomes[p.index] = failure(new ApiError("conflict", `The slug "${p.input.slug}" is taken.`, [{ path: "slug", message: "is taken" }]));
  }

  try {
    // Items past the monthly quota or the links-a-minute cap are not inserted (in order: the first
    // ones fill what is left).
    const refused = await insertLinksWithEvents(
      ctx.db,
      batch.map((p) => p.change),
      ctx,
    );
    for (const [i, p] of batch.entries()) {
      const error = refused[i];
      outcomes[p.index] = error ? failure(error) : { ok: true, change: p.change };
    }
  } catch (error) {
    if (!isUniqueViolation(error, "links.slug")) throw error;
    oneByOne.push(...batch);
  }
  for (const p of oneByOne) {
    try {
      outcomes[p.index] = { ok: true, change: await createCheckedLink(p.input, ctx, now, p.change.row.passwordHash) };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      outcomes[p.index] = failure(error);
    }
  }
  return outcomes.map((o) => o ?? failure(new ApiError("internal", "The link was not processed.")));
}
