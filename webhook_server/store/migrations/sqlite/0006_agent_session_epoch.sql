-- Console sessions are signed cookies with no table behind them: each one is also bound to its
-- agent's session epoch, which signing out raises, so every earlier cookie of that agent ends.
ALTER TABLE agents ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0
