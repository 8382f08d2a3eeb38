package graphmock

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options are the mock's knobs. Zero values mean: no auth check, page size 100, no latency, imports processed
// on the next request, 1-minute syncs, no write throttle, 500 devices per import call, no faults, real time.
type Options struct {
	Token          string        // when set, every Graph request must carry "Authorization: Bearer <Token>"
	PageSize       int           // collection page size; default 100; $top lowers it per request
	Latency        time.Duration // added to every HTTP request (via Sleep)
	ProcessDelay   time.Duration // import records stay "pending", and dynamic groups processing, this long (measured on Clock)
	SyncDuration   time.Duration // an Autopilot sync stays inProgress this long (default 1m)
	WriteLimit     int           // writes (POST/PUT/PATCH/DELETE; each $batch item counts, the outer POST does not) ...
	WriteWindow    time.Duration // ... per fixed window (default 20s, Intune's figure, docs/graph.md#throttling-and-write-budget); beyond → 429
	MaxImportBatch int           // devices per import call; default 500; beyond → 400
	FaultRate      float64       // probability of an injected 503/504 per Graph request (seeded)
	RandSeed       int64
	Clock          Clock               // default: real time
	Sleep          func(time.Duration) // default time.Sleep; used for Latency only
	Seed           *Seed               // initial tenant state; nil = empty tenant
}

// Server is the mock Graph service, an http.Handler serving Graph under /beta and its test hooks under /_mock.
type Server struct {
	opts   Options
	url    string
	client *http.Client

	mu       sync.Mutex // held around every handler
	routes   []*route
	rand     *rand.Rand
	nextID   int
	nextReq  int
	throttle writeThrottle
	log      []LoggedRequest
	stats    Stats

	inFlight atomic.Int64
	maxInFl  atomic.Int64

	autopilot *autopilotState
	directory *directoryState
	policy    *policyState
	prep      *prepState // device-preparation knobs and scripts (prep_tenant.go)

	// deploymentProfileEntity renders a deployment profile for $expand on Autopilot devices; the
	// profile side sets it. Nil, or false, renders null.
	deploymentProfileEntity func(id string) (map[string]any, bool)
}

// New builds a mock server from opts. It panics on a seed the handlers refuse; LoadSeed reports such a
// seed as an error, so only a seed built in Go can get here.
func New(opts Options) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic("graphmock: seed: " + err.Error())
	}
	return s
}

// newServer builds the server and creates its seed, returning the first seed entry the handlers refuse.
func newServer(opts Options) (*Server, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.SyncDuration <= 0 {
		opts.SyncDuration = time.Minute
	}
	if opts.WriteWindow <= 0 {
		opts.WriteWindow = 20 * time.Second
	}
	if opts.MaxImportBatch <= 0 {
		opts.MaxImportBatch = 500
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Sleep == nil {
		opts.Sleep = time.Sleep
	}
	if opts.Seed == nil {
		opts.Seed = &Seed{}
	}
	s := &Server{
		opts:  opts,
		rand:  rand.New(rand.NewPCG(uint64(opts.RandSeed), 0x67726170686d6f63)),
		stats: Stats{ByRoute: map[string]int{}},
	}
	s.handle("POST /$batch", s.batch)
	s.registerAutopilot()
	s.registerDirectory()
	s.registerEnrollment()
	s.registerPrep()
	if err := s.seedDirectory(); err != nil {
		return nil, err
	}
	return s, nil
}

// TB is the part of testing.TB the test helpers (Start, StartTLS, NewCassette) use. Taking it rather than
// testing.TB keeps the testing package, and its flags, out of the autopilotctl binary that embeds the mock.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Start serves a new mock on a plain-HTTP loopback listener until the test ends.
func Start(t TB, opts Options) *Server {
	return start(t, opts, httptest.NewServer)
}

// StartTLS serves a new mock over TLS on loopback until the test ends; Client trusts its certificate.
func StartTLS(t TB, opts Options) *Server {
	return start(t, opts, httptest.NewTLSServer)
}

func start(t TB, opts Options, serve func(http.Handler) *httptest.Server) *Server {
	s := New(opts)
	ts := serve(s)
	t.Cleanup(ts.Close)
	s.url, s.client = ts.URL, ts.Client()
	return s
}

// SetURL records the root URL of a listener the caller runs the server on (e.g. "http://127.0.0.1:8080").
func (s *Server) SetURL(root string) { s.url = strings.TrimSuffix(root, "/") }

// URL is the server's root, without /beta.
func (s *Server) URL() string { return s.url }

// BaseURL is URL()+"/beta", the Graph base URL clients are configured with.
func (s *Server) BaseURL() string { return s.url + "/beta" }

// Client returns an *http.Client that trusts the server (needed for StartTLS); http.DefaultClient otherwise.
func (s *Server) Client() *http.Client {
	if s.client == nil {
		return http.DefaultClient
	}
	return s.client
}

// rootURL is the root absolute links point at: the known URL, else the scheme and host the request came to.
func (s *Server) rootURL(r *http.Request) string {
	if s.url != "" {
		return s.url
	}
	return requestRoot(r)
}

// requestRoot is the scheme and host r was sent to.
func requestRoot(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// newID returns the next GUID-shaped id. Ids come from a counter so test output is stable.
func (s *Server) newID() string {
	s.nextID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.nextID)
}

// nextRequestID numbers requests apart from entity ids, so a test's ids don't depend on how many requests ran.
func (s *Server) nextRequestID() string {
	s.nextReq++
	return fmt.Sprintf("7e000000-0000-4000-8000-%012d", s.nextReq)
}
