package prep

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/autopilotctl/autopilotctl/pkg/result"
)

// The device-preparation settings: setting ids, their instance and value template ids, and what their values
// mean (docs/graph.md#device-preparation-and-enrollment-time-grouping). The app and script lists have
// different instance templates in the two templates.
const (
	settingPrefix      = "enrollment_autopilot_dpp_"
	settingType        = "#microsoft.graph.deviceManagementConfigurationSetting"
	choiceInstance     = "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance"
	simpleInstance     = "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance"
	collectionInstance = "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance"
	choiceValue        = "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue"
	stringValue        = "#microsoft.graph.deviceManagementConfigurationStringSettingValue"
	integerValue       = "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue"
)

type settingIDs struct{ instance, value string }

var userDrivenSettings = map[string]settingIDs{
	"deploymentmode":         {"5180aeab-886e-4589-97d4-40855c646315", "5874c2f6-bcf1-463b-a9eb-bee64e2f2d82"},
	"deploymenttype":         {"f4184296-fa9f-4b67-8b12-1723b3f8456b", "e0af022f-37f3-4a40-916d-1ab7281c88d9"},
	"jointype":               {"6310e95d-6cfa-4d2f-aae0-1e7af12e2182", "1fa84eb3-fcfa-4ed6-9687-0f3d486402c4"},
	"accountype":             {"d4f2a840-86d5-4162-9a08-fa8cc608b94e", "bf13bb47-69ef-4e06-97c1-50c2859a49c2"},
	"timeout":                {"6dec0657-dfb8-4906-a7ee-3ac6ee1edecb", "0bbcce5b-a55a-4e05-821a-94bf576d6cc8"},
	"customerrormessage":     {"2ddf0619-2b7a-46de-b29b-c6191e9dda6e", "fe5002d5-fbe9-4920-9e2d-26bfc4b4cc97"},
	"allowskip":              {"2a71dc89-0f17-4ba9-bb27-af2521d34710", "a2323e5e-ac56-4517-8847-b0a6fdb467e7"},
	"allowdiagnostics":       {"e2b7a81b-f243-4abd-bce3-c1856345f405", "c59d26fd-3460-4b26-b47a-f7e202e7d5a3"},
	"devicesecuritygroupids": {"a46a50ab-3076-4968-9366-75a40dde950e", "5f7d09e1-1a90-44ad-9c9f-ad90ba509e60"},
	"allowedappids":          {instance: "70d22a8a-a03c-4f62-b8df-dded3e327639"},
	"allowedscriptids":       {instance: "1bc67702-800c-4271-8fd9-609351cc19cf"},
}

var automaticSettings = map[string]settingIDs{
	"allowedappids":    {instance: "a9dedfd6-c3b2-46d9-ae39-91fd0dcb7a20"},
	"allowedscriptids": {instance: "ff20a4a9-a2f4-4a2e-84e0-4cd1dc9bed31"},
}

// accountTypes maps the words to the choice suffix: _0 is Administrator, _1 Standard user (Microsoft365DSC's
// table; some tools print the opposite).
var accountTypes = map[string]string{"administrator": "0", "standard": "1"}

// Settings are a policy's settings in words. Automatic policies carry only Apps and Scripts.
type Settings struct {
	AccountType      string   `json:"accountType,omitempty" yaml:"accountType"` // standard | administrator
	TimeoutMinutes   int      `json:"timeoutMinutes,omitempty"`
	ErrorMessage     string   `json:"errorMessage,omitempty"`
	AllowSkip        bool     `json:"allowSkip"`
	AllowDiagnostics bool     `json:"allowDiagnostics"`
	Apps             []App    `json:"apps"`
	Scripts          []Script `json:"scripts"`
}

// App is an app a policy installs during setup: its id and its real @odata.type (without the namespace).
type App struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

// Script is a platform (PowerShell) script a policy runs during setup.
type Script struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// appValue is the string the allowed-apps setting holds per app.
func appValue(a App) string {
	b, _ := json.Marshal(map[string]string{"id": a.ID, "type": "#microsoft.graph." + a.Type})
	return string(b)
}

// settingsBody builds the settings array of a policy of mode m, in the admin center's order. The device
// group setting is sent as "" as the admin center does: the group is bound by its own action (ETG-1).
func settingsBody(m Mode, s Settings) []any {
	ids := automaticSettings
	var out []any
	add := func(name string, inst map[string]any) {
		inst["settingDefinitionId"] = settingPrefix + name
		inst["settingInstanceTemplateReference"] = map[string]any{"settingInstanceTemplateId": ids[name].instance}
		out = append(out, map[string]any{"@odata.type": settingType, "settingInstance": inst})
	}
	valueRef := func(name string) map[string]any { return map[string]any{"settingValueTemplateId": ids[name].value} }
	choice := func(name, suffix string) {
		add(name, map[string]any{"@odata.type": choiceInstance, "choiceSettingValue": map[string]any{"@odata.type": choiceValue,
			"children": []any{}, "settingValueTemplateReference": valueRef(name), "value": settingPrefix + name + "_" + suffix}})
	}
	simple := func(name, typ string, v any) {
		add(name, map[string]any{"@odata.type": simpleInstance, "simpleSettingValue": map[string]any{"@odata.type": typ,
			"settingValueTemplateReference": valueRef(name), "value": v}})
	}
	collection := func(name string, values []string) {
		items := []any{}
		for _, v := range values {
			items = append(items, map[string]any{"@odata.type": stringValue, "value": v})
		}
		add(name, map[string]any{"@odata.type": collectionInstance, "simpleSettingCollectionValue": items})
	}
	if m == UserDriven {
		ids = userDrivenSettings
		choice("deploymentmode", "0") // user-driven
		choice("deploymenttype", "0") // single user
		choice("jointype", "0")       // Microsoft Entra joined
		choice("accountype", accountTypes[s.AccountType])
		simple("timeout", integerValue, s.TimeoutMinutes)
		simple("customerrormessage", stringValue, s.ErrorMessage)
		choice("allowskip", yesNo(s.AllowSkip))
		choice("allowdiagnostics", yesNo(s.AllowDiagnostics))
		simple("devicesecuritygroupids", stringValue, "")
	}
	var apps, scripts []string
	for _, a := range s.Apps {
		apps = append(apps, appValue(a))
	}
	for _, sc := range s.Scripts {
		scripts = append(scripts, sc.ID)
	}
	collection("allowedappids", apps)
	collection("allowedscriptids", scripts)
	return out
}

func yesNo(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// decodeSettings reads a policy's settings (as $expand=settings returns them) back into words. Values this
// tool does not write are reported, not guessed at.
func decodeSettings(raw []json.RawMessage) (Settings, error) {
	var s Settings
	for _, r := range raw {
		var setting struct {
			Instance struct {
				Definition string `json:"settingDefinitionId"`
				Choice     *struct {
					Value string `json:"value"`
				} `json:"choiceSettingValue"`
				Simple *struct {
					Value json.RawMessage `json:"value"`
				} `json:"simpleSettingValue"`
				Collection []struct {
					Value string `json:"value"`
				} `json:"simpleSettingCollectionValue"`
			} `json:"settingInstance"`
		}
		if err := json.Unmarshal(r, &setting); err != nil {
			return s, fmt.Errorf("reading a policy setting: %w", err)
		}
		in := setting.Instance
		name := strings.TrimPrefix(strings.ToLower(in.Definition), settingPrefix)
		choice := ""
		if in.Choice != nil {
			choice = strings.TrimPrefix(in.Choice.Value, in.Definition+"_")
		}
		var simple string
		if in.Simple != nil {
			if err := json.Unmarshal(in.Simple.Value, &simple); err != nil {
				simple = string(in.Simple.Value)
			}
		}
		switch name {
		case "accountype":
			for word, suffix := range accountTypes {
				if suffix == choice {
					s.AccountType = word
				}
			}
			if s.AccountType == "" {
				return s, fmt.Errorf("account type value %q is not one this tool knows", in.Choice.Value)
			}
		case "timeout":
			n, err := strconv.Atoi(simple)
			if err != nil {
				return s, fmt.Errorf("timeout value %q is not a number of minutes", simple)
			}
			s.TimeoutMinutes = n
		case "customerrormessage":
			s.ErrorMessage = simple
		case "allowskip":
			s.AllowSkip = choice == "1"
		case "allowdiagnostics":
			s.AllowDiagnostics = choice == "1"
		case "allowedappids":
			for _, v := range in.Collection {
				var a struct{ ID, Type string }
				if err := json.Unmarshal([]byte(v.Value), &a); err != nil {
					return s, fmt.Errorf("allowed app %q is not the JSON the service keeps", v.Value)
				}
				s.Apps = append(s.Apps, App{ID: a.ID, Type: strings.TrimPrefix(a.Type, "#microsoft.graph.")})
			}
		case "allowedscriptids":
			for _, v := range in.Collection {
				s.Scripts = append(s.Scripts, Script{ID: v.Value})
			}
		}
	}
	return s, nil
}

// diffSettings compares what the tenant holds with what is asked, field by field.
func diffSettings(m Mode, cur, want Settings) []result.FieldChange {
	var out []result.FieldChange
	add := func(field string, from, to any) {
		out = append(out, result.FieldChange{Field: field, From: from, To: to})
	}
	if m == UserDriven {
		if cur.AccountType != want.AccountType {
			add("accountType", cur.AccountType, want.AccountType)
		}
		if cur.TimeoutMinutes != want.TimeoutMinutes {
			add("timeoutMinutes", cur.TimeoutMinutes, want.TimeoutMinutes)
		}
		if cur.ErrorMessage != want.ErrorMessage { // byte-exact: no quote normalisation
			add("errorMessage", cur.ErrorMessage, want.ErrorMessage)
		}
		if cur.AllowSkip != want.AllowSkip {
			add("allowSkip", cur.AllowSkip, want.AllowSkip)
		}
		if cur.AllowDiagnostics != want.AllowDiagnostics {
			add("allowDiagnostics", cur.AllowDiagnostics, want.AllowDiagnostics)
		}
	}
	if from, to := appIDs(cur.Apps), appIDs(want.Apps); !slices.Equal(from, to) {
		add("apps", from, to)
	}
	if from, to := scriptIDs(cur.Scripts), scriptIDs(want.Scripts); !slices.Equal(from, to) {
		add("scripts", from, to)
	}
	return out
}

func appIDs(apps []App) []string {
	out := []string{}
	for _, a := range apps {
		out = append(out, strings.ToLower(a.ID))
	}
	slices.Sort(out)
	return out
}

func scriptIDs(scripts []Script) []string {
	out := []string{}
	for _, s := range scripts {
		out = append(out, strings.ToLower(s.ID))
	}
	slices.Sort(out)
	return out
}
