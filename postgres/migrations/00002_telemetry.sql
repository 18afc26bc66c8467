-- Telemetry projected by the engine: the health of each device that has reported, and
-- its numeric readings downsampled into buckets of one minute (groundtruth.SeriesStep).
-- Every field is a column of its own. Times are to the microsecond, NULL for the zero
-- time ("never"); rejected and last are JSONB. Identifiers use the "C" collation so that
-- lists page in byte order. Rows are replaced again and again (a device's health on every
-- pack, the current minute's bucket on every reading): the free fifth of each page lets
-- PostgreSQL update them in place (HOT) without touching the primary key index, which
-- cuts the time of an upsert of thousands of rows by a quarter to a half.

-- +goose Up
CREATE TABLE device_health (
    tenant_id       TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    device_id       TEXT COLLATE "C" NOT NULL,
    state           TEXT        NOT NULL,
    state_at        TIMESTAMPTZ,
    last_seen       TIMESTAMPTZ,
    last_reading_at TIMESTAMPTZ,
    last_seq        BIGINT      NOT NULL,
    last_digest     TEXT        NOT NULL,
    packs           BIGINT      NOT NULL,
    readings        BIGINT      NOT NULL,
    duplicates      BIGINT      NOT NULL,
    late            BIGINT      NOT NULL,
    rejected        JSONB       NOT NULL,
    last            JSONB       NOT NULL,
    seq             BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
) WITH (fillfactor = 80);

CREATE TABLE series_buckets (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    device_id TEXT COLLATE "C" NOT NULL,
    name      TEXT COLLATE "C" NOT NULL,
    start     TIMESTAMPTZ      NOT NULL,
    count     BIGINT           NOT NULL,
    sum       DOUBLE PRECISION NOT NULL,
    min       DOUBLE PRECISION NOT NULL,
    max       DOUBLE PRECISION NOT NULL,
    last      DOUBLE PRECISION NOT NULL,
    last_at   TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, device_id, name, start)
) WITH (fillfactor = 80);

-- +goose Down
DROP TABLE series_buckets;
DROP TABLE device_health;
