-- What the signed contract carries beyond the 0005 terms (package contracts,
-- `servicepulse contracts extract`): the repair-service window of clause
-- 3.3.2, and the provider's service hotline and online channel of clause
-- 3.4.1 (the provider's contact, not personal data). '' means the contract
-- gives none; an empty repair_window means the on-site and resolve clocks
-- count in support_window, as before this column existed.
ALTER TABLE contract_terms ADD COLUMN repair_window String DEFAULT '' AFTER support_window;
ALTER TABLE contract_terms ADD COLUMN hotline String DEFAULT '' AFTER repair_window;
ALTER TABLE contract_terms ADD COLUMN online_channel String DEFAULT '' AFTER hotline
