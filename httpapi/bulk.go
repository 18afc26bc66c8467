package httpapi

import (
	"context"
	"net/http"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// BulkResult answers POST /api/v1/records.
type BulkResult struct {
	Records int    `json:"records" doc:"Number of records created or replaced"`
	Seq     uint64 `json:"seq" doc:"Journal sequence of the event that applied them"`
}

type bulkInput struct{ Body gt.Records }

type bulkOutput struct{ Body BulkResult }

// MaxBulkBytes is the largest body of a bulk write.
const MaxBulkBytes = 8 << 20

func (s *Server) registerBulk() {
	o := op("put-records", http.MethodPost, "/api/v1/records", "create or replace records in bulk", "records", writers...)
	o.MaxBodyBytes = MaxBulkBytes
	o.Description = "Creates or replaces parties, sites, loans, collateral, devices and releases in one atomic step: " +
		"every record is applied, or none. Records may refer to others in the same request. Price ticks go to /api/v1/prices."
	huma.Register(s.api, o, func(ctx context.Context, in *bulkInput) (*bulkOutput, error) {
		r := in.Body
		if len(r.Prices) > 0 {
			return nil, s.problem(ctx, gt.FieldErrorf("prices", "price ticks are recorded with POST /api/v1/prices"))
		}
		if r.Len() == 0 {
			return nil, s.problem(ctx, gt.FieldErrorf("parties", "no records given"))
		}
		p := caller(ctx)
		seq, err := s.o.Node.Command(ctx, gt.EventRecordsPut, p.tenant, p.keyID, r)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &bulkOutput{Body: BulkResult{Records: r.Len(), Seq: seq}}, nil
	})
}
