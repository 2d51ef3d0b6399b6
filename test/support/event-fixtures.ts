import { monotonicFactory } from "ulid";
import { linkEventSchema, type EventOf, type LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";

/**
 * Valid envelopes for consumer tests, built from the sample events with fresh ids,
 * so test files sharing a database never collide. Every builder's output is parsed
 * with the real schema: a fixture can never drift from the contract.
 */
const ulid = monotonicFactory();

export const newTeamId = () => `team_${ulid()}`;
export const newLinkId = () => `lnk_${ulid()}`;
export const newEventId = () => `evt_${ulid()}`;

type ClickData = EventOf<"LinkClicked">["data"];

function parsed<T extends LinkEvent>(event: unknown): T {
  return linkEventSchema.parse(event) as T;
}

export function linkCreated(target: { teamId: string; linkId: string; slug?: string; at?: string }, version: 1 | 2 | 3 = 3): EventOf<"LinkCreated"> {
  const sample = structuredClone(sampleEvents[`LinkCreated.v${version}`]);
  const at = target.at ?? sample.occurredAt;
  const link = { ...sample.data.link, id: target.linkId, slug: target.slug ?? sample.data.link.slug, createdAt: at, updatedAt: at };
  return parsed({ ...sample, id: newEventId(), teamId: target.teamId, subject: target.linkId, occurredAt: at, data: { ...sample.data, link } });
}

export function linkClicked(target: { teamId: string; linkId: string; at?: string }, data: Partial<ClickData> = {}): EventOf<"LinkClicked"> {
  const sample = structuredClone(sampleEvents["LinkClicked.v1"]);
  return parsed({
    ...sample,
    id: newEventId(),
    teamId: target.teamId,
    subject: target.linkId,
    occurredAt: target.at ?? sample.occurredAt,
    data: { ...sample.data, linkId: target.linkId, ...data },
  });
}

export function linkDeleted(target: { teamId: string; linkId: string; at?: string }): EventOf<"LinkDeleted"> {
  const sample = structuredClone(sampleEvents["LinkDeleted.v1"]);
  const at = target.at ?? sample.occurredAt;
  return parsed({
    ...sample,
    id: newEventId(),
    teamId: target.teamId,
    subject: target.linkId,
    occurredAt: at,
    data: { ...sample.data, linkId: target.linkId, deletedAt: at },
  });
}

export function linkUpdated(target: { teamId: string; linkId: string }, version: 1 | 2 = 2): EventOf<"LinkUpdated"> {
  const sample = structuredClone(sampleEvents[`LinkUpdated.v${version}`]);
  return parsed({
    ...sample,
    id: newEventId(),
    teamId: target.teamId,
    subject: target.linkId,
    data: { ...sample.data, link: { ...sample.data.link, id: target.linkId } },
  });
}

/** A 32-hex visitor hash, as the api's daily-salted HMAC makes them. */
export function visitorHash(seed: string): string {
  let hex = "";
  for (let i = 0; hex.length < 32; i++) hex += ((seed.charCodeAt(i % seed.length) * 31 + i * 7) % 256).toString(16).padStart(2, "0");
  return hex.slice(0, 32);
}
