-- Telemetry projected by the engine: the health of each device that has reported, and
-- its numeric readings downsampled into buckets of one minute (groundtruth.SeriesStep).
-- Every field is a column of its own. Times are INTEGER microseconds since the Unix epoch
-- (UTC), NULL for the zero time ("never"); rejected and last are JSON. The buckets are
-- many and small, so their table is clustered on its key (WITHOUT ROWID), which is also
-- the order a series is read in.

-- +goose Up
CREATE TABLE device_health (
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
    device_id       TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    state_at        INTEGER,
    last_seen       INTEGER,
    last_reading_at INTEGER,
    last_seq        INTEGER NOT NULL,
    last_digest     TEXT    NOT NULL,
    packs           INTEGER NOT NULL,
    readings        INTEGER NOT NULL,
    duplicates      INTEGER NOT NULL,
    late            INTEGER NOT NULL,
    rejected        TEXT    NOT NULL,
    last            TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id)
) STRICT;

CREATE TABLE series_buckets (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    device_id TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    start     INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    sum       REAL    NOT NULL,
    min       REAL    NOT NULL,
    max       REAL    NOT NULL,
    last      REAL    NOT NULL,
    last_at   INTEGER,
    PRIMARY KEY (tenant_id, device_id, name, start)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE series_buckets;
DROP TABLE device_health;
