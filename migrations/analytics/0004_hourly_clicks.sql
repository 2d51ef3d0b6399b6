-- WITHOUT ROWID added by hand (drizzle-kit cannot declare it): a row is its primary key and its counter.
CREATE TABLE `hourly_clicks` (
	`hour` text NOT NULL,
	`link_id` text NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`hour`, `link_id`)
) WITHOUT ROWID;
