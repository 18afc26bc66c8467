-- Risk projected by the engine (groundtruth.Changes): the latest valuation of each
-- collateral, the metrics of each loan, detector signals, alerts, actions, inspections
-- and every version of each rule. Each table keeps the whole record as JSONB in data,
-- keyed as described by package projection, with real columns for what queries filter or
-- group on. Identifiers use the "C" collation so that lists page in byte order. Two side
-- tables hold a set of each record for joins: the collateral securing each loan (for the
-- loans of a concentration) and the loans of each alert (for the alert list of a loan).
-- Valuations, loan metrics and signals are replaced on every price tick or reading that
-- moves them; the free fifth of each page lets PostgreSQL update them in place (HOT).

-- +goose Up
CREATE TABLE rules (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    name      TEXT COLLATE "C" NOT NULL,
    version   BIGINT NOT NULL,
    data      JSONB  NOT NULL,
    PRIMARY KEY (tenant_id, name, version)
);

CREATE TABLE valuations (
    tenant_id      TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    collateral_id  TEXT COLLATE "C" NOT NULL,
    kind           TEXT   NOT NULL,
    commodity      TEXT COLLATE "C" NOT NULL,
    custodian_id   TEXT COLLATE "C" NOT NULL,
    site_id        TEXT COLLATE "C" NOT NULL,
    value_amount   BIGINT NOT NULL,
    value_currency TEXT COLLATE "C" NOT NULL,
    data           JSONB  NOT NULL,
    PRIMARY KEY (tenant_id, collateral_id)
) WITH (fillfactor = 80);

-- Covers the concentrations of the portfolio, which then never read the documents.
CREATE INDEX valuations_dims ON valuations (tenant_id, custodian_id, commodity, site_id, value_currency,
    value_amount, collateral_id);

CREATE TABLE loan_risks (
    tenant_id          TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    loan_id            TEXT COLLATE "C" NOT NULL,
    band               TEXT COLLATE "C" NOT NULL,
    exposure_amount    BIGINT NOT NULL,
    exposure_currency  TEXT COLLATE "C" NOT NULL,
    value_amount       BIGINT NOT NULL,
    value_currency     TEXT COLLATE "C" NOT NULL,
    ltv                DOUBLE PRECISION,
    borrower_id        TEXT COLLATE "C" NOT NULL,
    core_enterprise_id TEXT COLLATE "C" NOT NULL,
    data               JSONB  NOT NULL,
    PRIMARY KEY (tenant_id, loan_id)
) WITH (fillfactor = 80);
CREATE INDEX loan_risks_band ON loan_risks (tenant_id, band, loan_id);
-- Covers the sums of the portfolio, which then never read the documents.
CREATE INDEX loan_risks_totals ON loan_risks (tenant_id, band, exposure_currency, exposure_amount,
    value_currency, value_amount, core_enterprise_id);

CREATE TABLE loan_risk_collateral (
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    loan_id       TEXT COLLATE "C" NOT NULL,
    collateral_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, loan_id, collateral_id)
);
CREATE INDEX loan_risk_collateral_collateral ON loan_risk_collateral (tenant_id, collateral_id, loan_id);

CREATE TABLE signals (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    subject   TEXT COLLATE "C" NOT NULL,
    name      TEXT COLLATE "C" NOT NULL,
    active    BOOLEAN NOT NULL,
    data      JSONB   NOT NULL,
    PRIMARY KEY (tenant_id, subject, name)
) WITH (fillfactor = 80);

CREATE TABLE alerts (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id        TEXT COLLATE "C" NOT NULL,
    rule      TEXT COLLATE "C" NOT NULL,
    subject   TEXT COLLATE "C" NOT NULL,
    severity  TEXT COLLATE "C" NOT NULL,
    state     TEXT COLLATE "C" NOT NULL,
    status    TEXT COLLATE "C" NOT NULL,
    data      JSONB NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX alerts_state ON alerts (tenant_id, state, status);
CREATE INDEX alerts_subject ON alerts (tenant_id, subject, id);

-- id is the alert's.
CREATE TABLE alert_loans (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id        TEXT COLLATE "C" NOT NULL,
    loan_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, id, loan_id)
);
CREATE INDEX alert_loans_loan ON alert_loans (tenant_id, loan_id, id);

CREATE TABLE actions (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id        TEXT COLLATE "C" NOT NULL,
    kind      TEXT COLLATE "C" NOT NULL,
    alert_id  TEXT COLLATE "C" NOT NULL,
    state     TEXT COLLATE "C" NOT NULL,
    data      JSONB NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE inspections (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id        TEXT COLLATE "C" NOT NULL,
    action_id TEXT COLLATE "C" NOT NULL,
    state     TEXT COLLATE "C" NOT NULL,
    data      JSONB NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

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
