package graph

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// reachRecorder is a sign-in credential's transport that remembers a request that got no answer, so the error
// can name the host (login.microsoftonline.com, a managed identity endpoint) instead of azidentity's dump.
type reachRecorder struct {
	next policy.Transporter // nil: a plain HTTPS client honouring the proxy settings

	mu   sync.Mutex
	last error
}

var defaultAuthTransport = &http.Client{Transport: func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return t
}()}

func (r *reachRecorder) Do(req *http.Request) (*http.Response, error) {
	next := r.next
	if next == nil {
		next = defaultAuthTransport
	}
	resp, err := next.Do(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && req.Context().Err() == nil {
		r.last = fmt.Errorf("could not reach the sign-in authority %s: %s", req.URL.Host, oneLine(unwrapURLError(err)))
	} else {
		r.last = nil
	}
	return resp, err
}

// failure is the last request's network failure, if it had one.
func (r *reachRecorder) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// unwrapURLError drops net/url's "Post \"https://…\": " prefix: the host is named already.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
