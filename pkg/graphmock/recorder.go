package graphmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Recorder is an http.Handler that proxies every request to a real Graph root and writes each exchange,
// scrubbed, to its own file in outDir ("003-post-import.json"); Save writes them all as one cassette.
type Recorder struct {
	upstream string
	outDir   string
	client   *http.Client

	mu           sync.Mutex
	scrub        *scrubber
	interactions []Interaction
	err          error // first failure to write a file
}

// NewRecorder proxies to upstream (a root such as "https://graph.microsoft.com") with client.
func NewRecorder(upstream, outDir string, client *http.Client) *Recorder {
	if client == nil {
		client = http.DefaultClient
	}
	return &Recorder{upstream: strings.TrimSuffix(upstream, "/"), outDir: outDir, client: client, scrub: newScrubber()}
}

// ServeHTTP forwards r upstream, answers with upstream's response (absolute links rewritten to come back
// through the recorder) and records the exchange.
func (rc *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, rc.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for k, vs := range r.Header {
		switch strings.ToLower(k) {
		case "content-encoding", "content-length", "accept-encoding":
			continue // the body is forwarded decompressed; the transport negotiates its own compression
		}
		req.Header[k] = vs
	}
	resp, err := rc.client.Do(req)
	if err != nil {
		http.Error(w, fmt.Sprintf("recorder: upstream: %v", err), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, err := readCapped(resp.Body)
	if err != nil {
		http.Error(w, fmt.Sprintf("recorder: upstream: %v", err), http.StatusBadGateway)
		return
	}
	headers := map[string]string{}
	for k := range resp.Header {
		if k != "Content-Length" && k != "Content-Encoding" {
			headers[k] = resp.Header.Get(k)
		}
	}
	for k, v := range headers {
		w.Header().Set(k, strings.ReplaceAll(v, rc.upstream, requestRoot(r)))
	}
	w.WriteHeader(resp.StatusCode)
	w.Write([]byte(strings.ReplaceAll(string(respBody), rc.upstream, requestRoot(r))))

	rc.save(r.Method, r.URL.Path, Interaction{
		Request: RecordedRequest{Method: r.Method, URL: r.URL.RequestURI(), Body: asJSON(body)},
		Response: RecordedResponse{
			Status:  resp.StatusCode,
			Headers: placehold(headers, rc.upstream),
			Body:    asJSON([]byte(strings.ReplaceAll(string(respBody), rc.upstream, serverPlaceholder))),
		},
	})
}

func placehold(headers map[string]string, root string) map[string]string {
	for k, v := range headers {
		headers[k] = strings.ReplaceAll(v, root, serverPlaceholder)
	}
	return headers
}

// save scrubs it and writes it to the next numbered file.
func (rc *Recorder) save(method, path string, it Interaction) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	it = rc.scrub.interaction(it)
	rc.interactions = append(rc.interactions, it)
	name := fmt.Sprintf("%03d-%s-%s.json", len(rc.interactions), strings.ToLower(method), callName(path))
	rc.write(name, it)
}

// Save writes every interaction recorded so far to outDir/cassette.json, in order, for NewCassette.
func (rc *Recorder) Save() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.write("cassette.json", rc.interactions)
	return rc.err
}

func (rc *Recorder) write(name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(rc.outDir, name), append(b, '\n'), 0o644)
	}
	if err != nil && rc.err == nil {
		rc.err = fmt.Errorf("recorder: %v", err)
	}
}

var idSegment = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}$`)

// callName names a recording after the last path segment that is not an id:
// ".../windowsAutopilotDeviceIdentities/{id}/assignUserToDevice" → "assignUserToDevice".
func callName(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		seg, _, _ := strings.Cut(segs[i], "(")
		seg = strings.Trim(seg, "$")
		if seg != "" && !idSegment.MatchString(seg) {
			return seg
		}
	}
	return "root"
}
