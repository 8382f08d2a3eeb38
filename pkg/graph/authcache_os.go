//go:build linux || windows || (darwin && cgo)

package graph

import (
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity/cache"
)

// openPersistentCache opens azidentity's persistent cache in the OS credential store. It fails (and sign-in
// keeps tokens in memory for this run only) where that store is missing, e.g. Linux without a kernel keyring.
func openPersistentCache() (azidentity.Cache, error) {
	return cache.New(&cache.Options{Name: cacheName})
}
