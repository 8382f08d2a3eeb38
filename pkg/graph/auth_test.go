package graph

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func envOf(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestPlan(t *testing.T) {
	app := map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range app {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		mode  AuthMode
		env   map[string]string
		tty   bool
		azCLI bool
		want  string
		err   string
	}{
		{"token wins", AuthAuto, with(map[string]string{AccessTokenEnv: "x", "AZURE_CLIENT_SECRET": "s"}), true, true, "access-token", ""},
		{"client secret", AuthAuto, with(map[string]string{"AZURE_CLIENT_SECRET": "s", "AZURE_FEDERATED_TOKEN_FILE": "/f"}), true, true, "client-secret", ""},
		{"certificate", AuthAuto, with(map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem"}), false, false, "certificate", ""},
		{"workload identity", AuthAuto, with(map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/f"}), false, true, "workload-identity", ""},
		{"managed identity then cli then device code", AuthAuto, map[string]string{"IDENTITY_ENDPOINT": "http://169.254.169.254"}, true, true, "managed-identity azure-cli device-code", ""},
		{"cli only without a terminal", AuthAuto, nil, false, true, "azure-cli", ""},
		{"device code on a terminal", "", nil, true, false, "device-code", ""},
		{"nothing", AuthAuto, nil, false, false, "", "no credential found"},
		{"explicit browser", AuthBrowser, with(map[string]string{AccessTokenEnv: "x"}), true, false, "browser", ""},
		{"explicit device code", AuthDeviceCode, nil, true, false, "device-code", ""},
		{"browser never without a terminal", AuthBrowser, nil, false, true, "", "--auth browser needs a person at a terminal, and standard input is not one; scripts and CI sign in as an app"},
		{"device code never without a terminal", AuthDeviceCode, nil, false, true, "", "--auth device-code needs a person at a terminal"},
		{"explicit client secret", AuthClientSecret, nil, false, false, "client-secret", ""},
		{"explicit certificate", AuthCertificate, nil, false, false, "certificate", ""},
		{"explicit workload identity", AuthWorkloadIdentity, nil, false, false, "workload-identity", ""},
		{"explicit managed identity", AuthManagedIdentity, nil, false, false, "managed-identity", ""},
		{"explicit azure cli", AuthAzureCLI, nil, false, false, "azure-cli", ""},
		{"unknown", "password", nil, false, false, "", `invalid --auth "password": use one of auto, browser, device-code, client-secret, certificate, workload-identity, managed-identity, azure-cli`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := Plan(AuthOptions{Mode: tt.mode, Env: envOf(tt.env), StdinTTY: tt.tty, HasAzureCLI: tt.azCLI})
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || joinModes(plan) != strings.ReplaceAll(tt.want, " ", ", ") {
				t.Errorf("plan = %v, %v", plan, err)
			}
		})
	}
}

// Every mode builds its credential offline; missing settings are named.
func TestNewCredentialBuildsEachMode(t *testing.T) {
	certPath := writeTestCert(t)
	tokenFile := writeFile(t, "token", "eyJhbGciOi.oidc.token")
	global, _ := CloudByName("global")
	base := map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}
	tests := []struct {
		mode AuthMode
		env  map[string]string
		err  string
	}{
		{AuthAuto, map[string]string{AccessTokenEnv: "tok"}, ""},
		{AuthClientSecret, map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}, ""},
		{AuthClientSecret, map[string]string{"AZURE_CLIENT_ID": "c"}, "client-secret sign-in: missing --tenant or AZURE_TENANT_ID, AZURE_CLIENT_SECRET"},
		{AuthCertificate, map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_CERTIFICATE_PATH": certPath}, ""},
		{AuthCertificate, map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent.pem"}, "certificate sign-in: AZURE_CLIENT_CERTIFICATE_PATH /nonexistent.pem does not exist"},
		{AuthWorkloadIdentity, map[string]string{"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_FEDERATED_TOKEN_FILE": tokenFile}, ""},
		{AuthManagedIdentity, nil, ""},
		{AuthAzureCLI, base, ""},
		{AuthDeviceCode, nil, ""},
		{AuthBrowser, nil, ""},
	}
	for _, tt := range tests {
		c, err := NewCredential(AuthOptions{Mode: tt.mode, Env: envOf(tt.env), Cloud: global, StdinTTY: true})
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: err = %v, want %s", tt.mode, err, tt.err)
			}
			continue
		}
		if err != nil || len(c.sources) != 1 {
			t.Errorf("%s: %v", tt.mode, err)
		}
	}
}

func writeTestCert(t *testing.T) string {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "autopilotctl-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	path := filepath.Join(t.TempDir(), "app.pem")
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
