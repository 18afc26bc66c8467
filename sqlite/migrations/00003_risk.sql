-- Risk projected by the engine (groundtruth.Changes): the latest valuation of each
-- collateral, the metrics of each loan, detector signals, alerts, actions, inspections
-- and every version of each rule. Each table keeps the whole record as JSON in data,
-- keyed as described by package projection, with real columns for what queries filter or
-- group on. Two side tables hold a set of each record for joins: the collateral securing
-- each loan (for the loans of a concentration) and the loans of each alert (for the alert
-- list of a loan).

-- +goose Up
CREATE TABLE rules (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    name      TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    data      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, name, version)
) STRICT;

CREATE TABLE valuations (
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    collateral_id  TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    commodity      TEXT    NOT NULL,
    custodian_id   TEXT    NOT NULL,
    site_id        TEXT    NOT NULL,
    value_amount   INTEGER NOT NULL,
    value_currency TEXT    NOT NULL,
    data           TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, collateral_id)
) STRICT;

-- Covers the concentrations of the portfolio, which then never read the documents.
CREATE INDEX valuations_dims ON valuations (tenant_id, custodian_id, commodity, site_id, value_currency,
    value_amount, collateral_id);

CREATE TABLE loan_risks (
    tenant_id          TEXT    NOT NULL REFERENCES tenants (id),
    loan_id            TEXT    NOT NULL,
    band               TEXT    NOT NULL,
    exposure_amount    INTEGER NOT NULL,
    exposure_currency  TEXT    NOT NULL,
    value_amount       INTEGER NOT NULL,
    value_currency     TEXT    NOT NULL,
    ltv                REAL,
    borrower_id        TEXT    NOT NULL,
    core_enterprise_id TEXT    NOT NULL,
    data               TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, loan_id)
) STRICT;
CREATE INDEX loan_risks_band ON loan_risks (tenant_id, band, loan_id);
-- Covers the sums of the portfolio, which then never read the documents.
CREATE INDEX loan_risks_totals ON loan_risks (tenant_id, band, exposure_currency, exposure_amount,
    value_currency, value_amount, core_enterprise_id);

CREATE TABLE loan_risk_collateral (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    loan_id       TEXT NOT NULL,
    collateral_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, loan_id, collateral_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX loan_risk_collateral_collateral ON loan_risk_collateral (tenant_id, collateral_id, loan_id);

CREATE TABLE signals (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    subject   TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    active    INTEGER NOT NULL,
    data      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, subject, name)
) STRICT;

CREATE TABLE alerts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id        TEXT NOT NULL,
    rule      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    severity  TEXT NOT NULL,
    state     TEXT NOT NULL,
    status    TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX alerts_state ON alerts (tenant_id, state, status);
CREATE INDEX alerts_subject ON alerts (tenant_id, subject, id);

-- id is the alert's.
CREATE TABLE alert_loans (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id        TEXT NOT NULL,
    loan_id   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id, loan_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_loans_loan ON alert_loans (tenant_id, loan_id, id);

CREATE TABLE actions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    alert_id  TEXT NOT NULL,
    state     TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE inspections (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id        TEXT NOT NULL,
    action_id TEXT NOT NULL,
    state     TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

-- +goose Down
DROP TABLE inspections;
DROP TABLE actions;
DROP TABLE alert_loans;
DROP TABLE alerts;
DROP TABLE signals;
DROP TABLE loan_risk_collateral;
DROP TABLE loan_risks;
DROP TABLE valuations;
DROP TABLE rules;
