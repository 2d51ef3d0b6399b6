CREATE TABLE `reconciliation` (
	`id` text PRIMARY KEY NOT NULL,
	`cursor` text,
	`sweeps` integer DEFAULT 0 NOT NULL,
	`checked` integer DEFAULT 0 NOT NULL,
	`missing` integer DEFAULT 0 NOT NULL,
	`stale_pending` integer DEFAULT 0 NOT NULL,
	`resent` integer DEFAULT 0 NOT NULL,
	`last_run` text,
	`last_run_at` text,
	`last_error` text
);
