package graph

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"
)

// Claims are the parts of a Graph access token that say who signed in and what they may do. The token is not
// verified (Graph does that); they are read only to explain sign-in and permission problems.
type Claims struct {
	TenantID    string    `json:"tenantId"`
	AppID       string    `json:"appId"`
	AppName     string    `json:"appName,omitempty"`
	User        string    `json:"user,omitempty"` // UPN for delegated tokens; empty for app-only
	Audience    string    `json:"audience"`
	Expires     time.Time `json:"expires"`
	Permissions []string  `json:"permissions"` // roles (application) or scp (delegated)
	AppOnly     bool      `json:"appOnly"`
}

// ParseClaims reads the payload of a JWT access token.
func ParseClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("access token payload is not base64url")
	}
	var raw struct {
		Tid        string   `json:"tid"`
		AppID      string   `json:"appid"`
		Azp        string   `json:"azp"`
		AppDisplay string   `json:"app_displayname"`
		UPN        string   `json:"upn"`
		Unique     string   `json:"unique_name"`
		Preferred  string   `json:"preferred_username"`
		Aud        string   `json:"aud"`
		Exp        int64    `json:"exp"`
		Scp        string   `json:"scp"`
		Roles      []string `json:"roles"`
		IDType     string   `json:"idtyp"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, errors.New("access token payload is not JSON")
	}
	c := Claims{
		TenantID: raw.Tid, AppID: first(raw.AppID, raw.Azp), AppName: raw.AppDisplay,
		User: first(raw.UPN, raw.Unique, raw.Preferred), Audience: raw.Aud,
	}
	if raw.Exp > 0 {
		c.Expires = time.Unix(raw.Exp, 0).UTC()
	}
	if raw.Scp != "" {
		c.Permissions = strings.Fields(raw.Scp)
	} else {
		c.Permissions = append([]string{}, raw.Roles...)
		c.AppOnly = true
	}
	if raw.IDType == "app" {
		c.AppOnly = true
	}
	sort.Strings(c.Permissions)
	return c, nil
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
