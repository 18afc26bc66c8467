-- Series pruning (PruneSeries: buckets that start before the retention horizon) finds the
-- old rows through a BRIN index on start: buckets are written roughly in time order, so
-- the index is a few pages whatever the table's size and costs writes next to nothing,
-- where a B-tree would add a second index entry to every bucket written.

-- +goose Up
CREATE INDEX series_buckets_start ON series_buckets USING brin (start);

-- +goose Down
DROP INDEX series_buckets_start;
