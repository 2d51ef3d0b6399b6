-- WITHOUT ROWID added by hand (drizzle-kit cannot declare it): a row is its primary key alone.
CREATE TABLE `team_daily_uniques` (
	`team_id` text NOT NULL,
	`day` text NOT NULL,
	`visitors` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`team_id`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `visitor_sets` (
	`day` text NOT NULL,
	`link_id` text NOT NULL,
	`visitor` integer NOT NULL,
	PRIMARY KEY(`day`, `link_id`, `visitor`)
) WITHOUT ROWID;
--> statement-breakpoint
ALTER TABLE `daily_clicks` ADD `visitors` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `analytics_links_team_idx` ON `analytics_links` (`team_id`);