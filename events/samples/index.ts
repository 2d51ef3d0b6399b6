import linkClicked from "./link-clicked.v1.json";
import linkCreated from "./link-created.v1.json";
import linkCreatedV2 from "./link-created.v2.json";
import linkDeleted from "./link-deleted.v1.json";
import linkUpdated from "./link-updated.v1.json";

/** One sample per event type and version, used as fixtures by every test. */
export const sampleEvents = {
  "LinkCreated.v1": linkCreated,
  "LinkCreated.v2": linkCreatedV2,
  "LinkUpdated.v1": linkUpdated,
  "LinkDeleted.v1": linkDeleted,
  "LinkClicked.v1": linkClicked,
} as const;
