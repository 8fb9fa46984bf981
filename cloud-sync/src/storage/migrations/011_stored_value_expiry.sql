-- A store credit may expire (the retailer's rule, set by the register that issued it and carried
-- in the event, so every region expires it at the same moment). NULL: it never does.
ALTER TABLE sv_accounts ADD COLUMN expires_at timestamptz;
