package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"

	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/graph"
	"github.com/autopilotctl/autopilotctl/pkg/output"
)

// probePath is the one request auth status sends. Graph checks the token (signature, audience, expiry) before
// it checks permissions, so the answer tells a refused token (401) from a working one (anything else); reading one
// Autopilot device is also the cheapest call every Autopilot command's permission allows.
const probePath = "/deviceManagement/windowsAutopilotDeviceIdentities?$top=1"

// StatusOptions holds what `auth status` needs.
type StatusOptions struct {
	Factory *cmdutil.Factory
	Root    *cobra.Command // the tree whose permission needs are compared with the token
	Need    []string       // --need: commands the token must allow, e.g. "device import"
}

// Status is the machine-readable answer of `auth status`.
type Status struct {
	SignedIn   bool   `json:"signedIn"` // always true here: NotSignedIn is the answer without a sign-in
	Credential string `json:"credential"`
	// Account is the user of the sign-in `auth login` kept, when that is what signed in.
	Account  string `json:"account,omitempty"`
	GraphURL string `json:"graphUrl"`
	TenantID string `json:"tenantId,omitempty"`
	AppID    string `json:"appId,omitempty"`
	AppName  string `json:"appName,omitempty"`
	User     string `json:"user,omitempty"`
	AppOnly  bool   `json:"appOnly"`
	// TokenFormat is "jwt", or "opaque" when the token's claims (permissions, expiry) cannot be read.
	TokenFormat string `json:"tokenFormat"`
	// Expires comes from the token's exp claim or the credential; absent when neither says.
	Expires     *time.Time      `json:"expires,omitempty"`
	GraphCheck  GraphCheck      `json:"graphCheck"`
	Permissions []string        `json:"permissions"`
	Commands    []CommandStatus `json:"commands"`
	Note        string          `json:"note,omitempty"`
}

// GraphCheck is what Graph answered the one request sent with the token.
type GraphCheck struct {
	Request  string `json:"request"`
	Status   int    `json:"status"`   // HTTP status; 0 when Graph did not answer
	Accepted bool   `json:"accepted"` // Graph accepted the token (any answer but 401)
	Message  string `json:"message,omitempty"`
}

// CommandStatus says whether the token covers one command's needs.
type CommandStatus struct {
	Command  string   `json:"command"`
	Needs    []string `json:"needs"`
	Granted  bool     `json:"granted"`
	Checked  bool     `json:"checked"` // false when the token's permissions could not be read
	Missings []string `json:"missing,omitempty"`
	Needed   bool     `json:"needed,omitempty"` // named with --need
}

// NewCmdStatus builds `auth status`; runF replaces the run in flag-parsing tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Check the token with Graph and show which commands its permissions allow",
		Long: "Signs in as any command would, but never asks anyone to sign in (no device code, no browser), and\n" +
			"sends Graph one request (GET " + probePath + ") to confirm the\n" +
			"token works, then shows the credential used, tenant, app, user, the token's expiry (from its exp claim;\n" +
			"\"unknown\" when the token is not a JWT), and for each command the Graph permissions it needs and whether\n" +
			"the token has them. When nothing is signed in it says what it tried and skipped, and why.\n\n" +
			"Exit code 4 when nothing is signed in or sign-in fails, when Graph refuses the token (401), or when the\n" +
			"token lacks what a command named with --need requires (or its permissions cannot be read), so a pipeline\n" +
			"can gate on it.",
		Example: "  autopilotctl auth status\n" +
			"  autopilotctl auth status --need \"device import\" --need \"device tag\" -o json",
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Root = cmd.Root()
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Need, "need", nil, "a command the token must allow, e.g. \"device import\" (repeatable); exit 4 if it does not")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	f := opts.Factory
	needed, err := neededCommands(opts.Root, opts.Need)
	if err != nil {
		return err
	}
	// auth status checks a sign-in; it never starts one (a device code on a terminal would otherwise be next).
	f.NoPrompt = true
	cred, err := f.Credential()
	if err != nil {
		return printNotSignedIn(f, notSignedIn(f, err, false))
	}
	cloud, err := f.Cloud()
	if err != nil {
		return err
	}
	base, err := f.GraphURL()
	if err != nil {
		return err
	}
	client, err := f.Graph()
	if err != nil {
		return err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{cloud.Scope()}})
	if err != nil {
		return printNotSignedIn(f, notSignedIn(f, err, true))
	}
	st := Status{SignedIn: true, Credential: string(cred.Used()), Account: cred.Account(), GraphURL: base, TokenFormat: "jwt", Permissions: []string{}, Commands: []CommandStatus{}}
	claims, cerr := graph.ParseClaims(tok.Token)
	if cerr != nil {
		st.TokenFormat = "opaque"
		st.Note = "the token is not a JWT, so its permissions and expiry cannot be read here; Graph still checks them"
	} else {
		st.TenantID, st.AppID, st.AppName, st.User, st.AppOnly = claims.TenantID, claims.AppID, claims.AppName, claims.User, claims.AppOnly
		st.Permissions = claims.Permissions
	}
	switch {
	case cerr == nil && !claims.Expires.IsZero():
		st.Expires = &claims.Expires
	case !tok.ExpiresOn.IsZero():
		exp := tok.ExpiresOn.UTC().Truncate(time.Second)
		st.Expires = &exp
	}

	check := probe(ctx, client)
	st.GraphCheck = check.GraphCheck

	var lacking []string
	cmdutil.WalkCommands(opts.Root, func(c *cobra.Command) {
		reqs := cmdutil.Permissions(c)
		name := commandName(c)
		if reqs == nil {
			return
		}
		cs := CommandStatus{Command: c.CommandPath(), Checked: cerr == nil, Granted: cerr == nil, Needed: needed[name]}
		for _, r := range reqs {
			cs.Needs = append(cs.Needs, cmdutil.DescribeRequirement(r))
			if cerr == nil && !cmdutil.Satisfied(r, st.Permissions) {
				cs.Granted = false
				cs.Missings = append(cs.Missings, cmdutil.DescribeRequirement(r))
			}
		}
		if cs.Needed && !cs.Granted {
			what := strings.Join(cs.Missings, "; ")
			if !cs.Checked {
				what = "its permissions cannot be read from a token that is not a JWT"
			}
			lacking = append(lacking, fmt.Sprintf("%s (%s)", name, what))
		}
		st.Commands = append(st.Commands, cs)
	})
	if err := f.Print(output.Result{Data: st, Table: statusTable(st)}); err != nil {
		return err
	}
	if st.Note != "" {
		fmt.Fprintln(f.IOStreams.ErrOut, "note: "+st.Note)
	}
	switch {
	case check.err != nil:
		return check.err
	case len(lacking) > 0:
		return &cmdutil.PermissionError{Msg: "the token does not allow " + strings.Join(lacking, ", ")}
	}
	return nil
}

// NotSignedIn is auth status's machine-readable answer when no credential gave a token.
type NotSignedIn struct {
	SignedIn bool   `json:"signedIn"` // false
	GraphURL string `json:"graphUrl,omitempty"`
	// Error is why: what was tried and how it ended, what was skipped and why, as on stderr.
	Error string `json:"error"`
}

// printNotSignedIn prints the NotSignedIn object for a failed sign-in (exit 4) where a script reads one (-o
// json|yaml|csv, --jq, --template), and returns err; a person at a table gets the error alone.
func printNotSignedIn(f *cmdutil.Factory, err error) error {
	format, ferr := f.OutputFormat()
	q, qerr := f.Query()
	if cmdutil.ExitCode(err) != 4 || ferr != nil || qerr != nil || (format == output.Table && q == nil) {
		return err // not a failed sign-in (a bad --graph-url), or a person reading a table
	}
	base, _ := f.GraphURL()
	ns := NotSignedIn{GraphURL: base, Error: err.Error()}
	if perr := f.Print(output.Result{Data: ns, Table: output.Rows{Header: []string{"ITEM", "VALUE"},
		Rows: [][]string{{"signedIn", "false"}, {"graphUrl", base}, {"error", ns.Error}}}}); perr != nil {
		return perr
	}
	return err
}

// notSignedInError is auth status's answer when no credential gave a token: exit 4, as any sign-in failure.
type notSignedInError struct {
	msg   string
	cause error
}

func (e *notSignedInError) Error() string { return e.msg }
func (e *notSignedInError) Unwrap() error { return e.cause }

// notSignedIn words a failed sign-in under --auth auto that no app credential from the environment was part
// of: what was tried and how it ended, what was skipped and why, and how to sign in. Anything else (an
// app's sign-in failing in CI, --auth naming a mode) keeps its own one-line reason.
func notSignedIn(f *cmdutil.Factory, err error, tried bool) error {
	var ae *graph.AuthError
	ao, aerr := f.AuthOptions()
	if !errors.As(err, &ae) || aerr != nil || ao.Mode != graph.AuthAuto {
		return err
	}
	steps, _ := graph.PlanSteps(ao)
	var parts []string
	if tried {
		parts = append(parts, "tried "+ae.Err.Error())
	}
	// Variables that are not set make one part: "client-secret, certificate: AZURE_CLIENT_SECRET, … are not set".
	var unsetModes, unsetVars []string
	flush := func() {
		switch len(unsetVars) {
		case 0:
		case 1:
			parts = append(parts, unsetModes[0]+": "+unsetVars[0]+" is not set")
		default:
			parts = append(parts, strings.Join(unsetModes, ", ")+": "+strings.Join(unsetVars, ", ")+" are not set")
		}
		unsetModes, unsetVars = nil, nil
	}
	for _, s := range steps {
		if s.Skip == "" {
			if _, app := appModes[s.Mode]; app || !tried {
				return err // an app's sign-in failed, or a credential could not be set up: its own reason says what to fix
			}
			continue
		}
		if v, ok := strings.CutSuffix(s.Skip, " is not set"); ok {
			unsetModes, unsetVars = append(unsetModes, string(s.Mode)), append(unsetVars, v)
			continue
		}
		flush()
		parts = append(parts, string(s.Mode)+": "+s.Skip)
	}
	flush()
	return &notSignedInError{cause: err, msg: "not signed in: " + strings.Join(parts, "; ") +
		"\nSign in once with `autopilotctl auth login`, then run auth status again (apps sign in from the environment: `autopilotctl auth --help`)."}
}

// appModes are the credentials an app signs in with from the environment; auto tries the first one set alone.
var appModes = map[graph.AuthMode]struct{}{graph.AuthAccessToken: {}, graph.AuthClientSecret: {},
	graph.AuthCertificate: {}, graph.AuthWorkloadIdentity: {}}

type probeResult struct {
	GraphCheck
	err error // what ends the command: a refused token (exit 4), or no answer from Graph (exit 1)
}

// probe sends the one request and reads Graph's verdict on the token from the answer.
func probe(ctx context.Context, client *graph.Client) probeResult {
	r := probeResult{GraphCheck: GraphCheck{Request: "GET " + probePath}}
	err := graph.Translate(client.Do(ctx, http.MethodGet, probePath, nil, &struct{}{}))
	var ge *graph.Error
	switch {
	case err == nil:
		r.Status, r.Accepted = http.StatusOK, true
	case errors.As(err, &ge) && ge.Status == http.StatusUnauthorized:
		r.Status, r.Message = ge.Status, ge.Error()
		r.err = fmt.Errorf("Graph refused the token: %w", ge)
	case errors.As(err, &ge) && ge.Status < 500:
		// Past the token check: a 403 means the token works but may not read Autopilot devices (the commands'
		// rows say what that costs).
		r.Status, r.Accepted, r.Message = ge.Status, true, ge.Error()
	default:
		if ge != nil {
			r.Status = ge.Status
		}
		r.Message = err.Error()
		r.err = fmt.Errorf("could not confirm the token with Graph: %w", err)
	}
	return r
}

// neededCommands resolves --need values ("device import", with or without the root's name) to command names.
func neededCommands(root *cobra.Command, names []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, n := range names {
		words := strings.Fields(n)
		if len(words) > 0 && words[0] == root.Name() {
			words = words[1:]
		}
		c, rest, err := root.Find(words)
		if err != nil || len(rest) > 0 || c == root || len(words) == 0 || !c.Runnable() {
			return nil, cmdutil.UsageErrorf("invalid --need %q: not an autopilotctl command (e.g. \"device import\")", truncate(n, 60))
		}
		out[commandName(c)] = true
	}
	return out, nil
}

// commandName is c's path without the root: "device import".
func commandName(c *cobra.Command) string {
	return strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func statusTable(st Status) output.Rows {
	expires := "unknown (the token is not a JWT)"
	if st.Expires != nil {
		expires = st.Expires.Format(time.RFC3339)
	} else if st.TokenFormat == "jwt" {
		expires = "unknown (the token has no exp claim)"
	}
	check := fmt.Sprintf("token accepted (%s → %d)", st.GraphCheck.Request, st.GraphCheck.Status)
	switch {
	case !st.GraphCheck.Accepted:
		check = "token not confirmed: " + st.GraphCheck.Message
	case st.GraphCheck.Status != http.StatusOK:
		check += ": " + st.GraphCheck.Message
	}
	rows := [][]string{
		{"credential", st.Credential},
	}
	if st.Account != "" {
		rows = append(rows, []string{"account", st.Account + " (kept by auth login)"})
	}
	rows = append(rows, [][]string{
		{"graph", st.GraphURL},
		{"graph check", check},
		{"tenant", st.TenantID},
		{"app", joinNonEmpty(st.AppID, st.AppName)},
		{"user", valueOr(st.User, "(app-only token)", st.AppOnly)},
		{"expires", expires},
	}...)
	for _, c := range st.Commands {
		state := "ok"
		switch {
		case !c.Checked:
			state = "unknown"
		case !c.Granted:
			state = "missing " + strings.Join(c.Missings, "; ")
		}
		rows = append(rows, []string{c.Command, state})
	}
	return output.Rows{Header: []string{"ITEM", "VALUE"}, Rows: rows}
}

func joinNonEmpty(id, name string) string {
	if name == "" {
		return id
	}
	return fmt.Sprintf("%s (%s)", id, name)
}

func valueOr(v, alt string, useAlt bool) string {
	if useAlt {
		return alt
	}
	return v
}
