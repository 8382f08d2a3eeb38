// Package ci_test keeps the CI recipes in this directory true: the GitHub workflow passes actionlint, the Azure
// Pipelines file has the shape Azure DevOps expects, and every autopilotctl command line in either parses
// against the real command tree with the sign-in the recipe is about.
package ci_test

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mattn/go-shellwords"
	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/autopilotctl/autopilotctl/pkg/cli"
	"github.com/autopilotctl/autopilotctl/pkg/cmdutil"
	"github.com/autopilotctl/autopilotctl/pkg/iostreams"
)

func lint(t *testing.T, path string, content []byte) []*actionlint.Error {
	t.Helper()
	// No shellcheck or pyflakes: the result must not depend on what the machine has installed.
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(path, content, nil)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

func TestGitHubActionsRecipePassesActionlint(t *testing.T) {
	data, err := os.ReadFile("github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lint(t, "github-actions.yml", data) {
		t.Errorf("github-actions.yml:%d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
	// The linter does catch mistakes: runner.temp is not available in a job's env.
	broken := bytes.Replace(data, []byte("AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}"),
		[]byte("AZURE_CLIENT_ID: ${{ vars.AZURE_CLIENT_ID }}\n      AZURE_FEDERATED_TOKEN_FILE: ${{ runner.temp }}/token"), 1)
	if errs := lint(t, "broken.yml", broken); len(errs) == 0 {
		t.Error("actionlint accepted runner.temp in a job's env")
	}
}

// The workflow does what the README promises: OIDC token to a file, the three variables, workload identity on
// every command, an import from the repository and prep verify --all as the gate.
func TestGitHubActionsRecipeSignsInWithWorkloadIdentity(t *testing.T) {
	var wf struct {
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Env   map[string]string `yaml:"env"`
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readYAML(t, "github-actions.yml", &wf, false) // actionlint checks the keys
	if wf.Permissions["id-token"] != "write" {
		t.Errorf("permissions = %v, want id-token: write", wf.Permissions)
	}
	job := wf.Jobs["import"]
	if job.Env["AZURE_TENANT_ID"] == "" || job.Env["AZURE_CLIENT_ID"] == "" {
		t.Errorf("job env = %v", job.Env)
	}
	var script strings.Builder
	for _, s := range job.Steps {
		script.WriteString(s.Run + "\n")
	}
	for _, want := range []string{"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange",
		`echo "AZURE_FEDERATED_TOKEN_FILE=$token_file" >> "$GITHUB_ENV"`} {
		if !strings.Contains(script.String(), want) {
			t.Errorf("no step runs %q", want)
		}
	}
	checkCommands(t, script.String(), "workload-identity", "device import", "prep verify --all")
}

// The Azure Pipelines file has the structure Azure DevOps reads (no schema ships with a Go module, so this is
// the check): known top-level keys, a pool, steps that are each one kind, and the AzureCLI task's inputs.
func TestAzurePipelinesRecipeStructure(t *testing.T) {
	type step struct {
		Checkout    string            `yaml:"checkout"`
		Task        string            `yaml:"task"`
		Script      string            `yaml:"script"`
		DisplayName string            `yaml:"displayName"`
		Condition   string            `yaml:"condition"`
		Inputs      map[string]string `yaml:"inputs"`
	}
	var p struct {
		Trigger struct {
			Branches struct {
				Include []string `yaml:"include"`
			} `yaml:"branches"`
			Paths struct {
				Include []string `yaml:"include"`
			} `yaml:"paths"`
		} `yaml:"trigger"`
		Pool struct {
			VMImage string `yaml:"vmImage"`
		} `yaml:"pool"`
		Variables map[string]string `yaml:"variables"`
		Steps     []step            `yaml:"steps"`
	}
	readYAML(t, "azure-pipelines.yml", &p, true)
	if p.Pool.VMImage == "" || len(p.Trigger.Branches.Include) == 0 || len(p.Steps) == 0 {
		t.Fatalf("pipeline lacks a pool, trigger or steps: %+v", p)
	}
	var script strings.Builder
	azureCLI := 0
	for i, s := range p.Steps {
		kinds := 0
		for _, v := range []string{s.Checkout, s.Task, s.Script} {
			if v != "" {
				kinds++
			}
		}
		if kinds != 1 {
			t.Errorf("step %d is %d kinds of step, want one", i+1, kinds)
		}
		if s.Task != "" && !regexp.MustCompile(`^[A-Za-z]+@\d+$`).MatchString(s.Task) {
			t.Errorf("step %d: task %q has no major version", i+1, s.Task)
		}
		if s.Task == "AzureCLI@2" {
			azureCLI++
			for _, k := range []string{"azureSubscription", "scriptType", "scriptLocation", "inlineScript"} {
				if s.Inputs[k] == "" {
					t.Errorf("AzureCLI@2 lacks input %s", k)
				}
			}
			if s.Inputs["scriptLocation"] != "inlineScript" || s.Inputs["scriptType"] != "bash" {
				t.Errorf("AzureCLI@2 inputs = %v", s.Inputs)
			}
			script.WriteString(s.Inputs["inlineScript"])
		}
	}
	if azureCLI != 1 {
		t.Errorf("%d AzureCLI@2 steps, want 1", azureCLI)
	}
	checkCommands(t, script.String(), "azure-cli", "device import", "prep verify --all")
}

// readYAML decodes a recipe; strictly, a key the struct does not know is an error.
func readYAML(t *testing.T, path string, v any, strict bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(strict)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// checkCommands parses each autopilotctl line of a script against the real command tree: the command exists,
// its flags exist, and it signs in with mode. want lists commands the script must run.
func checkCommands(t *testing.T, script, mode string, want ...string) {
	t.Helper()
	var seen []string
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "autopilotctl ") {
			continue
		}
		if i := strings.IndexAny(line, ">|"); i >= 0 {
			line = line[:i] // the shell's redirection, not the command's
		}
		words, err := shellwords.Parse(line)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		ios, _, _, _ := iostreams.Test()
		root := cli.NewRootCmd(cmdutil.New(ios))
		cmd, rest, err := root.Find(words[1:])
		if err != nil || cmd == root || !cmd.Runnable() {
			t.Errorf("%q: not a command: %v", line, err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if got, _ := cmd.Flags().GetString("auth"); got != mode {
			t.Errorf("%q signs in with %q, want --auth %s", line, got, mode)
		}
		seen = append(seen, strings.Join(words[1:], " "))
	}
	for _, w := range want {
		found := false
		for _, s := range seen {
			found = found || strings.HasPrefix(s, w)
		}
		if !found {
			t.Errorf("no `autopilotctl %s` in %v", w, seen)
		}
	}
}
