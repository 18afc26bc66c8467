package httpapi

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// authenticate resolves the bearer API key to a tenant and role and enforces the roles
// the operation allows (Metadata["roles"]); operator routes (Metadata["operator"]) take
// an operator token instead. Failures are problem+json 401 or 403.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	o := ctx.Operation()
	select {
	case <-s.o.Node.Ready():
	default:
		// The store is stale until the journal is replayed: answer nothing from it yet.
		ctx.SetHeader("Retry-After", "5")
		huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "starting: replaying the journal")
		return
	}
	token, ok := bearer(ctx.Header("Authorization"))
	if !ok {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="groundtruth"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "missing bearer API key in the Authorization header")
		return
	}
	if o.Metadata["device"] == true {
		s.authenticateDevice(ctx, token, next)
		return
	}
	if o.Metadata["clock"] == true {
		if s.o.Clock == nil || !s.o.Clock.Check(token) {
			huma.WriteErr(s.api, ctx, http.StatusForbidden, "this route needs the simulated clock's driver token")
			return
		}
		next(withPrincipal(ctx, principal{keyID: "clock-driver"}))
		return
	}
	if o.Metadata["operator"] == true {
		if s.o.Operator == nil || !s.o.Operator(token) {
			huma.WriteErr(s.api, ctx, http.StatusForbidden, "this route needs an operator token")
			return
		}
		next(withPrincipal(ctx, principal{keyID: "operator"}))
		return
	}
	k, err := s.o.Store.APIKeyByHash(ctx.Context(), gt.HashSecret(token))
	if err != nil || k.Revoked {
		if err != nil && gt.ErrorCode(err) != gt.ENOTFOUND {
			s.o.Logger.Error("look up API key", "err", err)
			huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "store unavailable")
			return
		}
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="groundtruth", error="invalid_token"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "unknown or revoked API key")
		return
	}
	roles, _ := o.Metadata["roles"].([]gt.Role)
	if !slices.Contains(roles, k.Role) {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "role "+string(k.Role)+" may not "+o.Summary)
		return
	}
	if s.limiter != nil {
		if ok, wait := s.limiter.allow(k.TenantID); !ok {
			ctx.SetHeader("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, "the tenant's API rate limit is reached: retry later")
			return
		}
	}
	ctx = withPrincipal(ctx, principal{tenant: k.TenantID, keyID: k.ID, role: k.Role})
	if o.Method != http.MethodGet {
		// A command waits for the engine; past the deadline it is answered 503 (the event
		// may still be applied: it is durable in the journal).
		c, cancel := context.WithTimeout(ctx.Context(), CommandTimeout)
		defer cancel()
		ctx = huma.WithContext(ctx, c)
	}
	next(ctx)
}

// authenticateDevice signs a device in by its token for the ingest routes.
func (s *Server) authenticateDevice(ctx huma.Context, token string, next func(huma.Context)) {
	if s.o.Ingest == nil {
		huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "ingest is not running")
		return
	}
	d, err := s.o.Ingest.DeviceByToken(ctx.Context(), token)
	if err != nil {
		if gt.ErrorCode(err) != gt.ENOTFOUND {
			s.o.Logger.Error("look up device token", "err", err)
			huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "store unavailable")
			return
		}
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="groundtruth-devices", error="invalid_token"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "unknown device token")
		return
	}
	if d.Disabled {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "device "+d.ID+" is disabled")
		return
	}
	next(withPrincipal(ctx, principal{tenant: d.TenantID, keyID: d.ID, role: gt.RoleDevice, device: d}))
}

// CommandTimeout is how long a write waits for its event to be applied.
const CommandTimeout = 30 * time.Second

// withPrincipal records the caller in the request context, and in the observer's holder
// so that the request log names the tenant and key.
func withPrincipal(ctx huma.Context, p principal) huma.Context {
	if h, ok := ctx.Context().Value(principalHolderKey{}).(*principal); ok {
		*h = p
	}
	return huma.WithValue(ctx, principalKey{}, p)
}

func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// problem converts a domain error into a huma status error: the code picks the status,
// the field becomes the location "body.<field>". Internal errors are logged, not shown.
func (s *Server) problem(ctx context.Context, err error) error {
	code := gt.ErrorCode(err)
	status := map[string]int{
		gt.EINVALID: http.StatusUnprocessableEntity, gt.ENOTFOUND: http.StatusNotFound,
		gt.ECONFLICT: http.StatusConflict, gt.EUNAUTHORIZED: http.StatusUnauthorized,
		gt.EFORBIDDEN: http.StatusForbidden, gt.ETOOLARGE: http.StatusRequestEntityTooLarge,
		gt.EUNAVAILABLE: http.StatusServiceUnavailable, gt.ERATELIMIT: http.StatusTooManyRequests,
	}[code]
	if status == 0 {
		s.o.Logger.ErrorContext(ctx, "internal error", "err", err)
		return huma.Error500InternalServerError("internal error")
	}
	msg := gt.ErrorMessage(err)
	var out error = huma.NewError(status, msg)
	if f := gt.ErrorField(err); f != "" {
		out = huma.NewError(status, f+": "+msg, &huma.ErrorDetail{Location: "body." + f, Message: msg})
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		out = huma.ErrorWithHeaders(out, http.Header{"Retry-After": {"1"}})
	}
	return out
}
