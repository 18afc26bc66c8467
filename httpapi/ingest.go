package httpapi

import (
	"context"
	"net/http"
	"time"

	gt "groundtruth"
	"groundtruth/ingest"

	"github.com/danielgtaylor/huma/v2"
)

// IngestTimeout bounds how long an ingest request waits for its durable append; past it
// the answer is 503 with Retry-After (backpressure, SPEC §5.5).
const IngestTimeout = 10 * time.Second

type ingestInput struct {
	ContentType string `header:"Content-Type" doc:"application/senml+json, application/json or application/jose"`
	RawBody     []byte `contentType:"application/senml+json"`
}

type ingestOutput struct {
	Status int
	Body   ingest.Result
}

func (s *Server) registerIngest() {
	o := op("ingest", http.MethodPost, "/api/v1/ingest", "send readings", "ingest")
	o.Metadata["device"] = true
	o.Security = []map[string][]string{{"deviceToken": {}}}
	o.DefaultStatus = http.StatusAccepted
	o.MaxBodyBytes = 1<<20 + 4096
	o.Errors = []int{401, 403, 409, 413, 422, 429, 503}
	o.Description = "Sends a device's readings (SPEC §5.4), signed in with the device's token: a SenML pack, " +
		"a plain JSON object of measurements, a compact JWS (EdDSA) whose payload is one of those, or a JSON " +
		"array of compact JWS for store-and-forward back-fill (all accepted or none). Answers 202 once the " +
		"readings are durably in the journal. Refusals are problem+json whose detail starts with the reason " +
		"(unit_mismatch, future_timestamp, not_finite, malformed, too_large, signature_invalid, replay, " +
		"rate_limited); 429 and 503 carry Retry-After."
	huma.Register(s.api, o, func(ctx context.Context, in *ingestInput) (*ingestOutput, error) {
		p := caller(ctx)
		ctx, cancel := context.WithTimeout(ctx, IngestTimeout)
		defer cancel()
		res, err := s.o.Ingest.Accept(ctx, p.device, gt.ViaHTTP, in.RawBody)
		if err != nil {
			if ctx.Err() != nil && gt.ErrorCode(err) == "" {
				err = gt.Errorf(gt.EUNAVAILABLE, "ingest is overloaded; retry later")
			}
			return nil, s.problem(ctx, err)
		}
		return &ingestOutput{Status: http.StatusAccepted, Body: res}, nil
	})
}
