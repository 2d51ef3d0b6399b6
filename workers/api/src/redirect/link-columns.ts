import { links } from "#db/links";

/**
 * The columns of `links` a redirect reads from the primary (a slug the read model does not know
 * yet, a password form's post): the fields of the read model's link (contracts/redirects), the link
 * controls included, so a link answers the same from either source. Whether a password is set is
 * each caller's own column: the hash itself leaves the database only for a post.
 */
export const redirectLinkColumns = {
  id: links.id,
  teamId: links.teamId,
  slug: links.slug,
  url: links.url,
  expiresAt: links.expiresAt,
  deletedAt: links.deletedAt,
  expiredUrl: links.expiredUrl,
  maxClicks: links.maxClicks,
  rules: links.rules,
  utm: links.utm,
  og: links.og,
};
