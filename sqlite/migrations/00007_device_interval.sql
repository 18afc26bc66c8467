-- The devices' reporting interval as a column (microseconds), so that the map's query
-- (DevicePositions) reads no JSON document. Rows written before it stay NULL until they are
-- written again; the query reads their interval from the document.

-- +goose Up
ALTER TABLE devices ADD COLUMN interval_us INTEGER;

-- +goose Down
ALTER TABLE devices DROP COLUMN interval_us;
