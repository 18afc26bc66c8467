-- Schema of the PostgreSQL projection. Every entity table keys on (tenant_id, id) and
-- keeps the whole record as JSONB in data, with real columns for what queries filter on.
-- Identifiers use the "C" collation so that lists page in byte order whatever the
-- database's locale. Secret hashes are columns of their own: the JSON leaves them out.
-- A price tick's time is kept to the microsecond in at and the remaining nanoseconds in
-- at_nanos (0-999), so that ticks survive with full Go precision.

-- +goose Up
CREATE TABLE tenants (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT        NOT NULL,
    version    BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    data       JSONB       NOT NULL
);

CREATE TABLE api_keys (
    tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id         TEXT COLLATE "C" NOT NULL,
    version    BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    data       JSONB       NOT NULL,
    role       TEXT        NOT NULL,
    revoked    BOOLEAN     NOT NULL,
    hash       TEXT COLLATE "C" NOT NULL UNIQUE,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE parties (
    tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id         TEXT COLLATE "C" NOT NULL,
    version    BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    data       JSONB       NOT NULL,
    name       TEXT        NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX parties_name ON parties (tenant_id, name);

CREATE TABLE sites (
    tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id         TEXT COLLATE "C" NOT NULL,
    version    BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    data       JSONB       NOT NULL,
    kind       TEXT        NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sites_kind ON sites (tenant_id, kind);

CREATE TABLE loans (
    tenant_id          TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id                 TEXT COLLATE "C" NOT NULL,
    version            BIGINT      NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    data               JSONB       NOT NULL,
    borrower_id        TEXT COLLATE "C" NOT NULL,
    status             TEXT        NOT NULL,
    product            TEXT        NOT NULL,
    outstanding_amount BIGINT      NOT NULL,
    currency           TEXT        NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX loans_borrower ON loans (tenant_id, borrower_id);
CREATE INDEX loans_status ON loans (tenant_id, status);

CREATE TABLE collateral (
    tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id         TEXT COLLATE "C" NOT NULL,
    version    BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    data       JSONB       NOT NULL,
    kind       TEXT        NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX collateral_kind ON collateral (tenant_id, kind);

CREATE TABLE devices (
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id            TEXT COLLATE "C" NOT NULL,
    version       BIGINT      NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    data          JSONB       NOT NULL,
    kind          TEXT        NOT NULL,
    collateral_id TEXT COLLATE "C",
    site_id       TEXT COLLATE "C",
    token_hash    TEXT COLLATE "C",
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX devices_token_hash ON devices (token_hash)
    WHERE token_hash IS NOT NULL AND token_hash <> '';
CREATE INDEX devices_collateral ON devices (tenant_id, collateral_id);
CREATE INDEX devices_site ON devices (tenant_id, site_id);

CREATE TABLE releases (
    tenant_id     TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    id            TEXT COLLATE "C" NOT NULL,
    version       BIGINT      NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    data          JSONB       NOT NULL,
    collateral_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX releases_collateral ON releases (tenant_id, collateral_id);

CREATE TABLE prices (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    commodity TEXT COLLATE "C" NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    at_nanos  SMALLINT    NOT NULL DEFAULT 0 CHECK (at_nanos BETWEEN 0 AND 999),
    amount    BIGINT      NOT NULL,
    currency  TEXT        NOT NULL,
    unit      TEXT        NOT NULL,
    source    TEXT        NOT NULL,
    seq       BIGINT      NOT NULL,
    PRIMARY KEY (tenant_id, commodity, at, at_nanos)
);

CREATE TABLE snapshots (
    seq     BIGINT      NOT NULL PRIMARY KEY,
    data    BYTEA       NOT NULL,
    created TIMESTAMPTZ NOT NULL
);

CREATE TABLE projection (
    id  BOOLEAN NOT NULL PRIMARY KEY DEFAULT TRUE CHECK (id),
    seq BIGINT  NOT NULL
);
INSERT INTO projection (id, seq) VALUES (TRUE, 0);

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
