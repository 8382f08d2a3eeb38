package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

func TestReadFileCapsAndRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	if err := WriteFile(p, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 5); err != nil || string(b) != "12345" {
		t.Fatalf("ReadFile at the cap = %q, %v", b, err)
	}
	var tl *TooLargeError
	if _, err := ReadFile(p, 4); !errors.As(err, &tl) || tl.Limit != 4 {
		t.Fatalf("over the cap: %v", err)
	}
	if _, err := ReadFile(dir, 10); !IsNotRegular(err) || err.Error() != dir+" is not a regular file (a directory)" {
		t.Fatalf("directory: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A FIFO without a writer would block os.Open forever; Open must refuse it first.
	if _, err := Open(fifo); !IsNotRegular(err) || err.Error() != fifo+" is not a regular file (a named pipe)" {
		t.Fatalf("fifo: %v", err)
	}
	if err := WriteFile(fifo, []byte("x"), 0o600); !IsNotRegular(err) {
		t.Fatalf("write over a fifo: %v", err)
	}
}

func TestWriteFileReplacesAtomicallyAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	for _, s := range []string{"first", "second"} {
		if err := WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(dir)
	if string(b) != "second" || len(entries) != 1 {
		t.Fatalf("content %q, %d entries in dir", b, len(entries))
	}
	if fi, _ := os.Stat(p); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}
