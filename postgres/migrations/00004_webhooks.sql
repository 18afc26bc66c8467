-- Webhooks (SPEC §6.7). webhooks is projected by the engine (groundtruth.Changes): each
-- tenant's configuration as JSONB in data, keyed as described by package projection.
-- webhook_deliveries is written by the webhook dispatcher, not by the projection: one row
-- per tenant, action and state delivered, with the action as it was in that state in
-- action, so that a restart resumes what is still pending. Identifiers use the "C"
-- collation, as in the other tables; times are NULL when unset.

-- +goose Up
CREATE TABLE webhooks (
    tenant_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tenants (id),
    disabled  BOOLEAN NOT NULL,
    data      JSONB   NOT NULL
);

CREATE TABLE webhook_deliveries (
    tenant_id        TEXT COLLATE "C" NOT NULL REFERENCES tenants (id),
    action_id        TEXT COLLATE "C" NOT NULL,
    state            TEXT COLLATE "C" NOT NULL,
    id               TEXT        NOT NULL,
    idempotency_key  TEXT        NOT NULL,
    status           TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL,
    last_status_code INTEGER     NOT NULL,
    last_error       TEXT        NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    last_attempt_at  TIMESTAMPTZ,
    next_attempt_at  TIMESTAMPTZ,
    delivered_at     TIMESTAMPTZ,
    action           JSONB       NOT NULL,
    PRIMARY KEY (tenant_id, action_id, state)
);
-- The dispatcher's queue: pending deliveries by due time.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at, tenant_id, action_id, state)
    WHERE status = 'pending';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
