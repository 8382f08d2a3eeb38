package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Authenticator signs a person in and returns the record of that sign-in; azidentity's browser and device-code
// credentials are Authenticators.
type Authenticator interface {
	azcore.TokenCredential
	Authenticate(ctx context.Context, opts *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error)
}

// NewAuthenticator builds the interactive credential of a mode; tests replace it with a fake.
type NewAuthenticator func(m AuthMode, o AuthOptions, co azcore.ClientOptions, cache azidentity.Cache) (Authenticator, error)

// newAzidentityAuthenticator builds azidentity's browser or device-code credential. Both say on stderr where
// they wait: device code prints Entra ID's message (the URL and the code), the browser the authority it opens.
func newAzidentityAuthenticator(m AuthMode, o AuthOptions, co azcore.ClientOptions, cache azidentity.Cache) (Authenticator, error) {
	tenant, client := o.tenant(), publicClient(o.clientID())
	switch m {
	case AuthDeviceCode:
		w := o.Prompt
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: client, Cache: cache,
			UserPrompt: func(_ context.Context, msg azidentity.DeviceCodeMessage) error {
				if w != nil {
					fmt.Fprintln(w, msg.Message)
				}
				return nil
			}})
	case AuthBrowser:
		c, err := azidentity.NewInteractiveBrowserCredential(&azidentity.InteractiveBrowserCredentialOptions{
			ClientOptions: co, TenantID: tenant, ClientID: client, Cache: cache})
		if err != nil {
			return nil, err
		}
		if tenant == "" {
			tenant = "organizations" // azidentity's default: any work or school account
		}
		where := strings.TrimSuffix(co.Cloud.ActiveDirectoryAuthorityHost, "/") + "/" + tenant
		return &announced{Authenticator: c, w: o.Prompt,
			msg: "Opening your browser to sign in at " + where + "; waiting for you to finish there (Ctrl-C to stop)."}, nil
	}
	return nil, fmt.Errorf("%s is not an interactive sign-in", m)
}

// announced says once, before a browser opens, where the sign-in waits (azidentity has no hook for the URL).
type announced struct {
	Authenticator
	w    io.Writer
	msg  string
	once sync.Once
}

func (a *announced) say() {
	a.once.Do(func() {
		if a.w != nil {
			fmt.Fprintln(a.w, a.msg)
		}
	})
}

func (a *announced) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	a.say()
	return a.Authenticator.GetToken(ctx, opts)
}

func (a *announced) Authenticate(ctx context.Context, opts *policy.TokenRequestOptions) (azidentity.AuthenticationRecord, error) {
	a.say()
	return a.Authenticator.Authenticate(ctx, opts)
}

func (o AuthOptions) authenticator() NewAuthenticator {
	if o.NewAuthenticator != nil {
		return o.NewAuthenticator
	}
	return newAzidentityAuthenticator
}

// newInteractive is --auth browser or device-code on an ordinary command: the kept sign-in first when it fits
// (silently), then the person is asked. Tokens go to the persistent cache when the OS store is there, else they
// stay in memory for this run, and stderr says so once.
func newInteractive(m AuthMode, o AuthOptions, co azcore.ClientOptions, src *namedCredential) (azcore.TokenCredential, error) {
	var cache azidentity.Cache
	var silent azcore.TokenCredential
	if o.Store != nil {
		c, err := o.Store.Cache()
		if err != nil {
			o.note("the token cache is unavailable (%s): this sign-in lasts for this command only", oneLine(err))
		} else {
			cache = c
			if rec, err := o.kept(); err == nil && strings.EqualFold(rec.ClientID, publicClient(o.clientID())) {
				silent, err = azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
					ClientOptions: co, TenantID: rec.TenantID, ClientID: rec.ClientID, AuthenticationRecord: rec,
					Cache: cache, DisableAutomaticAuthentication: true})
				if err != nil {
					return nil, err
				}
				src.account = rec.Username
			}
		}
	}
	ask, err := o.authenticator()(m, o, co, cache)
	if err != nil {
		return nil, err
	}
	if silent == nil {
		return ask, nil
	}
	return &silentFirst{silent: silent, ask: ask, src: src}, nil
}

// silentFirst uses the kept sign-in while it lasts and asks the person once it does not.
type silentFirst struct {
	silent, ask azcore.TokenCredential
	src         *namedCredential
}

func (s *silentFirst) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if s.silent != nil {
		tok, err := s.silent.GetToken(ctx, opts)
		var req *azidentity.AuthenticationRequiredError
		if err == nil || !errors.As(err, &req) {
			return tok, err
		}
		s.silent, s.src.account = nil, ""
	}
	return s.ask.GetToken(ctx, opts)
}

func (o AuthOptions) note(format string, a ...any) {
	if o.Prompt != nil {
		fmt.Fprintf(o.Prompt, "note: "+format+"\n", a...)
	}
}

// ErrLoginUsage marks a login that cannot be asked for this way (a mode that is not a person's, no terminal).
var ErrLoginUsage = errors.New("auth login signs a person in")

// Login is `auth login`: a person signs in with the browser or a device code, the tokens go to the persistent
// cache in the OS credential store and the record of the sign-in to the store's file, so later runs with
// --auth auto use it silently until it expires. Without a terminal, or without a credential store, it stops
// before asking anyone: a sign-in it could not keep would be wasted, and tokens are never written in plain text.
func Login(ctx context.Context, o AuthOptions, m AuthMode) (azidentity.AuthenticationRecord, error) {
	var rec azidentity.AuthenticationRecord
	if m != AuthBrowser && m != AuthDeviceCode {
		return rec, fmt.Errorf("%w: use --auth browser or --auth device-code, not %s "+
			"(apps sign in from the environment on every run; there is nothing to keep)", ErrLoginUsage, m)
	}
	if !o.StdinTTY {
		return rec, fmt.Errorf("%w: it needs a terminal, and standard input is not one", ErrLoginUsage)
	}
	if o.Store == nil {
		return rec, errors.New("auth login has nowhere to keep the sign-in: the user configuration directory is unknown")
	}
	cache, err := o.Store.Cache()
	if err != nil {
		return rec, fmt.Errorf("the OS credential store cannot keep a sign-in here (%s), so nothing was asked or kept "+
			"(tokens are never written to a plaintext file); sign in per command with --auth device-code instead", oneLine(err))
	}
	src := namedCredential{mode: m, reach: &reachRecorder{next: o.Transport}}
	co := azcore.ClientOptions{Cloud: o.Cloud.Authority, Transport: src.reach, Retry: o.Retry}
	a, err := o.authenticator()(m, o, co, cache)
	if err != nil {
		return rec, err
	}
	rec, err = a.Authenticate(ctx, &policy.TokenRequestOptions{Scopes: []string{o.Cloud.Scope()}})
	if err != nil {
		return rec, &AuthError{Err: errors.New(string(m) + ": " + src.describe(err))}
	}
	if err := o.Store.saveRecord(rec); err != nil {
		return rec, fmt.Errorf("signed in, but the sign-in record could not be written to %s: %s", o.Store.RecordPath(), oneLine(err))
	}
	return rec, nil
}
