//go:build darwin && cgo

package graph

import (
	"context"
	"errors"

	"github.com/AzureAD/microsoft-authentication-extensions-for-go/cache/accessor"
)

// clearPersistentCache deletes the Keychain items azidentity/cache keeps on macOS (service = the cache's name,
// account "MSALCache", as azidentity/cache v0.4.0 stores them).
func clearPersistentCache() error {
	var errs []error
	for _, name := range []string{cacheName, cacheName + ".cae"} {
		a, err := accessor.New(name, accessor.WithAccount("MSALCache"))
		if err == nil {
			err = a.Delete(context.Background())
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
