-- The hourly points of each loan's metrics (groundtruth.LoanPoint), projected by the
-- engine, for charts of the LTV over time: the whole point as JSON in data, keyed by
-- tenant, loan and the hour's start in Unix seconds.

-- +goose Up
CREATE TABLE loan_points (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    loan_id    TEXT    NOT NULL,
    start_unix INTEGER NOT NULL,
    data       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, loan_id, start_unix)
) STRICT;

-- The statistics of each crop field in each satellite scene (groundtruth.FieldObservation),
-- for its NDVI time series.
CREATE TABLE field_observations (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    collateral_id TEXT NOT NULL,
    at_unix       INTEGER NOT NULL,
    scene         TEXT NOT NULL,
    data          TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, collateral_id, at_unix, scene)
) STRICT;

-- +goose Down
DROP TABLE field_observations;
DROP TABLE loan_points;
