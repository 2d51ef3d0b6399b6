CREATE TABLE `replay_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`subscriber` text NOT NULL,
	`since` text,
	`event_ids` text,
	`until_id` text,
	`cursor` text,
	`sent` integer DEFAULT 0 NOT NULL,
	`total` integer,
	`status` text NOT NULL,
	`lease_owner` text,
	`lease_expires_at` text,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`actor` text NOT NULL,
	`trace_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `replay_jobs_running_idx` ON `replay_jobs` (`id`) WHERE "replay_jobs"."status" = 'running';