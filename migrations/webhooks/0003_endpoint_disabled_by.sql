ALTER TABLE `webhook_endpoints` ADD `disabled_at` text;--> statement-breakpoint
ALTER TABLE `webhook_endpoints` ADD `disabled_by` text;--> statement-breakpoint
-- Endpoints disabled before these columns existed: who disabled them, read from the reason each cause wrote.
UPDATE `webhook_endpoints` SET `disabled_at` = `updated_at`, `disabled_by` = CASE `disabled_reason` WHEN 'the endpoint answered 410 Gone' THEN 'receiver' WHEN 'disabled by the team' THEN 'team' ELSE 'failures' END WHERE `enabled` = 0;
