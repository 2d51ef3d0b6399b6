CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber` text NOT NULL,
	`event_id` text,
	`body` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`redriven_at` text
);
--> statement-breakpoint
CREATE INDEX `dead_letters_subscriber_idx` ON `dead_letters` (`subscriber`,`redriven_at`,`id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`event_id` text NOT NULL,
	`subscriber` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`processed_at` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`event_id`, `subscriber`)
);
--> statement-breakpoint
CREATE INDEX `deliveries_status_idx` ON `deliveries` (`subscriber`,`status`);--> statement-breakpoint
CREATE TABLE `ledger_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`team_id` text NOT NULL,
	`subject` text NOT NULL,
	`trace_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`envelope` text NOT NULL,
	`first_seen_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_events_trace_idx` ON `ledger_events` (`trace_id`);