-- The receipts table every D1-backed consumer has (db/receipts.ts), plus a counter
-- standing in for a consumer's effect. CHECK lets a test poison one event's effect.
CREATE TABLE `consumer_receipts` (
	`consumer` text NOT NULL,
	`event_id` text NOT NULL,
	`processed_at` text NOT NULL,
	PRIMARY KEY(`consumer`, `event_id`)
);
CREATE TABLE `link_counts` (
	`link_id` text PRIMARY KEY NOT NULL,
	`events` integer NOT NULL CHECK (`link_id` NOT LIKE '%POISON%')
);
