package hashcsv

import (
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// BenchmarkValidate10k reads and validates a Get-WindowsAutopilotInfo-style
// UTF-16LE file of 10,000 devices with 4,000-character hashes (~80 MB).
// peak-heap-B is the largest heap in use sampled during the run.
func BenchmarkValidate10k(b *testing.B) {
	const rows = 10000
	path := filepath.Join(b.TempDir(), "devices.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteSynthetic(f, rows, SyntheticOptions{Seed: 1, GroupTag: "Sales"}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()

	peak := sampleHeap()
	b.ResetTimer()
	for b.Loop() {
		v := Validate([]string{path})
		if len(v.Valid) != rows || len(v.Invalid) != 0 {
			b.Fatalf("%d valid rows, problems %v", len(v.Valid), v.Invalid)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peak()), "peak-heap-B")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}

// sampleHeap samples the heap in use (what MemStats calls HeapInuse) every
// millisecond until the returned function stops it and reports the maximum.
func sampleHeap() func() uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(samples)
			peak = max(peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}
