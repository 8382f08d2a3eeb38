//go:build !linux && !windows && !(darwin && cgo)

package graph

import (
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// The macOS Keychain needs cgo, and release builds cross-compile without it; other systems have no store
// azidentity supports.
var errNoCredentialStore = errors.New("this build of autopilotctl cannot reach the OS credential store " +
	"(macOS needs a build with cgo)")

func openPersistentCache() (azidentity.Cache, error) { return azidentity.Cache{}, errNoCredentialStore }

func clearPersistentCache() error { return nil }
