-- Webhooks (SPEC §6.7). webhooks is projected by the engine (groundtruth.Changes): each
-- tenant's configuration as JSON in data, keyed as described by package projection.
-- webhook_deliveries is written by the webhook dispatcher, not by the projection: one row
-- per tenant, action and state delivered, with the action as it was in that state in
-- action, so that a restart resumes what is still pending. Times are text in the layout
-- of the other tables (UTC, nine fractional digits), NULL when unset.

-- +goose Up
CREATE TABLE webhooks (
    tenant_id TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    disabled  INTEGER NOT NULL,
    data      TEXT    NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    action_id        TEXT    NOT NULL,
    state            TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    idempotency_key  TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER NOT NULL,
    last_error       TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    last_attempt_at  TEXT,
    next_attempt_at  TEXT,
    delivered_at     TEXT,
    action           TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, action_id, state)
) STRICT;
-- The dispatcher's queue: pending deliveries by due time.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at, tenant_id, action_id, state)
    WHERE status = 'pending';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
