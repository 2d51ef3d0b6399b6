ALTER TABLE `webhook_deliveries` ADD `lease_token` text;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `lease_until` text;--> statement-breakpoint
ALTER TABLE `webhook_endpoints` ADD `failing_since` text;