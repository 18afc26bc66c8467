-- The loans' expected loss and IRB risk-weighted assets (groundtruth.CreditRisk), as
-- columns of loan_risks so that the portfolio sums them in SQL; 0 for a loan without a PD.

-- +goose Up
ALTER TABLE loan_risks ADD COLUMN el_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loan_risks ADD COLUMN rwa_amount INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE loan_risks DROP COLUMN rwa_amount;
ALTER TABLE loan_risks DROP COLUMN el_amount;
