import apiKeyMinted from "./api-key-minted.v1.json";
import apiKeyRevoked from "./api-key-revoked.v1.json";
import clicksRecorded from "./clicks-recorded.v1.json";
import clicksRecordedV2 from "./clicks-recorded.v2.json";
import linkClicked from "./link-clicked.v1.json";
import linkClickedV2 from "./link-clicked.v2.json";
import linkCreated from "./link-created.v1.json";
import linkCreatedV2 from "./link-created.v2.json";
import linkCreatedV3 from "./link-created.v3.json";
import linkDeleted from "./link-deleted.v1.json";
import linkUpdated from "./link-updated.v1.json";
import linkUpdatedV2 from "./link-updated.v2.json";
import redriveStarted from "./redrive-started.v1.json";
import replayStarted from "./replay-started.v1.json";
import teamCreated from "./team-created.v1.json";

/** One sample per link event type and version (what consumers get), used as fixtures by every test. */
export const sampleEvents = {
  "LinkCreated.v1": linkCreated,
  "LinkCreated.v2": linkCreatedV2,
  "LinkCreated.v3": linkCreatedV3,
  "LinkUpdated.v1": linkUpdated,
  "LinkUpdated.v2": linkUpdatedV2,
  "LinkDeleted.v1": linkDeleted,
  "LinkClicked.v1": linkClicked,
  "LinkClicked.v2": linkClickedV2,
  "ClicksRecorded.v1": clicksRecorded,
  "ClicksRecorded.v2": clicksRecordedV2,
} as const;

/** One sample per audit event type and version (events/audit-events.ts). */
export const auditSampleEvents = {
  "TeamCreated.v1": teamCreated,
  "ApiKeyMinted.v1": apiKeyMinted,
  "ApiKeyRevoked.v1": apiKeyRevoked,
  "ReplayStarted.v1": replayStarted,
  "RedriveStarted.v1": redriveStarted,
} as const;

/** Every sample of the log: link and audit events. */
export const logSampleEvents = { ...sampleEvents, ...auditSampleEvents } as const;
