package webhook

import "time"

// Backoff exposes the wait after a number of failed attempts, for tests.
func (d *Dispatcher) Backoff(attempts int) time.Duration { return d.backoff(attempts) }

// RetryAfter exposes the parsing of a Retry-After header, for tests.
var RetryAfter = retryAfter

// QueueSize is the capacity of the dispatcher's inbox, for tests.
const QueueSize = queueSize
