CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`team_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_idx` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_team_idx` ON `api_keys` (`team_id`,`id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`version` integer NOT NULL,
	`team_id` text NOT NULL,
	`subject` text NOT NULL,
	`trace_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`envelope` text NOT NULL,
	`created_at` text NOT NULL,
	`published_at` text,
	`send_attempts` integer DEFAULT 0 NOT NULL,
	`last_send_error` text
);
--> statement-breakpoint
CREATE INDEX `events_team_id_idx` ON `events` (`team_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_team_subject_idx` ON `events` (`team_id`,`subject`,`id`);--> statement-breakpoint
CREATE INDEX `events_team_type_idx` ON `events` (`team_id`,`type`,`id`);--> statement-breakpoint
CREATE INDEX `events_unpublished_idx` ON `events` (`created_at`) WHERE "events"."published_at" IS NULL;--> statement-breakpoint
CREATE TABLE `links` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`team_id` text NOT NULL,
	`url` text NOT NULL,
	`title` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`expires_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text,
	`last_event_id` text NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `links_slug_idx` ON `links` (`slug`);--> statement-breakpoint
CREATE INDEX `links_team_id_idx` ON `links` (`team_id`,`id`);--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text DEFAULT 'free' NOT NULL,
	`created_at` text NOT NULL
);
