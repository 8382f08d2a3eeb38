package importer

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/autopilotctl/autopilotctl/pkg/autopilot/hashcsv"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/graphmock"
	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// The service the benchmarks run against: 20 ms per request, 2 s processing, 100 writes per 2 s.
var benchService = graphmock.Options{Token: "bench", Latency: 20 * time.Millisecond, ProcessDelay: 2 * time.Second,
	WriteLimit: 100, WriteWindow: 2 * time.Second}

// benchToken is a fixed bearer token ("bench" when empty).
type benchToken struct{ token string }

func (b benchToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if b.token == "" {
		b.token = "bench"
	}
	return azcore.AccessToken{Token: b.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func benchSetup(b *testing.B, n int) (*graphmock.Server, *graph.Client, string) {
	b.Helper()
	mock := graphmock.Start(b, benchService)
	client, err := graph.New(graph.Config{BaseURL: mock.BaseURL(), Credential: benchToken{}, HTTPClient: mock.Client()})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := hashcsv.WriteSynthetic(&buf, n, hashcsv.SyntheticOptions{Seed: uint64(n), SerialPrefix: "BENCH-"}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "devices.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return mock, client, path
}

// report prints and records what a run cost: HTTP requests (a $batch counts once), 429s, wall time, and the
// ratio to the floor the write budget and processing delay allow for the writes this approach needs.
func report(b *testing.B, name string, mock *graphmock.Server, took time.Duration, writes int) {
	requests := 0
	for _, r := range mock.Requests() {
		if !r.InBatch {
			requests++
		}
	}
	st := mock.Stats()
	floor := time.Duration(float64(writes)/float64(benchService.WriteLimit)*float64(benchService.WriteWindow)) + benchService.ProcessDelay
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(st.Throttled), "429s")
	b.ReportMetric(took.Seconds(), "wall-s")
	b.ReportMetric(took.Seconds()/floor.Seconds(), "x-floor")
	fmt.Fprintf(os.Stderr, "%s: %d HTTP requests (%d batch items), %d answered 429, %d writes, wall %s, floor %s (%.2fx)\n",
		name, requests, st.BatchItems, st.Throttled, writes, took.Round(100*time.Millisecond), floor, took.Seconds()/floor.Seconds())
}

func BenchmarkImport(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		b.Run(fmt.Sprintf("autopilotctl-%d", n), func(b *testing.B) {
			for range b.N {
				mock, client, path := benchSetup(b, n)
				opts := Options{Budget: graph.WriteBudget{Writes: 100, Window: 2 * time.Second}, JournalPath: path + ".journal"}
				start := time.Now()
				src, err := OpenInputs(context.Background(), []string{path}, InputOptions{})
				if err != nil {
					b.Fatal(err)
				}
				in, err := Check(src, opts)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := Run(context.Background(), client, opts, in)
				took := time.Since(start)
				src.Close()
				if err != nil || rep.Summary.Count(result.Imported) != n {
					b.Fatalf("%v %+v", err, rep.Summary)
				}
				// Writes: one import request per 500 devices plus one delete per import record.
				report(b, fmt.Sprintf("autopilotctl %d devices", n), mock, took, (n+499)/500+n)
			}
		})
		b.Run(fmt.Sprintf("baseline-%d", n), func(b *testing.B) {
			for range b.N {
				mock, client, path := benchSetup(b, n)
				start := time.Now()
				baselineImport(b, client, path)
				report(b, fmt.Sprintf("baseline %d devices", n), mock, time.Since(start), 2*n)
			}
		})
	}
}

// baselineImport does what the widely used PowerShell module does (WindowsAutopilotIntune's Import-AutopilotCSV):
// one POST per device, then rounds of one GET per device every 30 s until none is pending, then one DELETE per
// device; 429s are retried after Retry-After by the client, as the Graph PowerShell SDK does.
func baselineImport(b *testing.B, client *graph.Client, path string) {
	ctx := context.Background()
	rd, err := hashcsv.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for d, err := rd.Next(); err == nil; d, err = rd.Next() {
		hash, _ := base64.StdEncoding.DecodeString(d.HardwareHash)
		var created struct{ ID string }
		body := map[string]any{"@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity", "serialNumber": d.SerialNumber,
			"productKey": "", "groupTag": "", "assignedUserPrincipalName": "", "hardwareIdentifier": base64.StdEncoding.EncodeToString(hash)}
		if err := client.Do(ctx, "POST", importsPath, body, &created); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, created.ID)
	}
	rd.Close()
	pending := ids
	for len(pending) > 0 {
		time.Sleep(30 * time.Second)
		var still []string
		for _, id := range pending {
			var rec importRecord
			if err := client.Do(ctx, "GET", importsPath+"/"+id, nil, &rec); err != nil {
				b.Fatal(err)
			}
			if rec.State.DeviceImportStatus != "complete" && rec.State.DeviceImportStatus != "error" {
				still = append(still, id)
			}
		}
		pending = still
	}
	for _, id := range ids {
		if err := client.Do(ctx, "DELETE", importsPath+"/"+id, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
