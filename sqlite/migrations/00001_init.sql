-- Schema of the SQLite projection. Every entity table keys on (tenant_id, id) and keeps
-- the whole record as JSON in data, with real columns for what queries filter on. Times
-- are UTC text in a fixed-width RFC 3339 form ("2006-01-02T15:04:05.000000000Z"), which
-- sorts in time order. Secret hashes are columns of their own: the JSON leaves them out.

-- +goose Up
CREATE TABLE tenants (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL
) STRICT;

CREATE TABLE api_keys (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    revoked    INTEGER NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE parties (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX parties_name ON parties (tenant_id, name);

CREATE TABLE sites (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX sites_kind ON sites (tenant_id, kind);

CREATE TABLE loans (
    tenant_id          TEXT    NOT NULL REFERENCES tenants (id),
    id                 TEXT    NOT NULL,
    version            INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    data               TEXT    NOT NULL,
    borrower_id        TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    product            TEXT    NOT NULL,
    outstanding_amount INTEGER NOT NULL,
    currency           TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX loans_borrower ON loans (tenant_id, borrower_id);
CREATE INDEX loans_status ON loans (tenant_id, status);

CREATE TABLE collateral (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX collateral_kind ON collateral (tenant_id, kind);

CREATE TABLE devices (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    id            TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    collateral_id TEXT,
    site_id       TEXT,
    token_hash    TEXT,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX devices_token_hash ON devices (token_hash)
    WHERE token_hash IS NOT NULL AND token_hash <> '';
CREATE INDEX devices_collateral ON devices (tenant_id, collateral_id);
CREATE INDEX devices_site ON devices (tenant_id, site_id);

CREATE TABLE releases (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    id            TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    collateral_id TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX releases_collateral ON releases (tenant_id, collateral_id);

CREATE TABLE prices (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    commodity TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    amount    INTEGER NOT NULL,
    currency  TEXT    NOT NULL,
    unit      TEXT    NOT NULL,
    source    TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, commodity, at)
) STRICT;

CREATE TABLE snapshots (
    seq     INTEGER NOT NULL PRIMARY KEY,
    data    BLOB    NOT NULL,
    created TEXT    NOT NULL
) STRICT;

CREATE TABLE projection (
    id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;
INSERT INTO projection (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE projection;
DROP TABLE snapshots;
DROP TABLE prices;
DROP TABLE releases;
DROP TABLE devices;
DROP TABLE collateral;
DROP TABLE loans;
DROP TABLE sites;
DROP TABLE parties;
DROP TABLE api_keys;
DROP TABLE tenants;
