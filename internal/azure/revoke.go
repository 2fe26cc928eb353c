package azure

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/overshare/overshare/sas"
)

// The kinds of revocation a token needs.
const (
	RevokeKindStoredPolicy   = "stored-policy"
	RevokeKindKeySigned      = "key-signed"
	RevokeKindUserDelegation = "user-delegation"
)

// KnownToken is a token known from an inventory (a scan report): its
// facts, never its signature.
type KnownToken struct {
	ID           string `json:"id,omitempty"`
	Location     string `json:"location,omitempty"`
	Kind         string `json:"kind"`
	Resource     string `json:"resource,omitempty"`
	Path         string `json:"path,omitempty"`
	StoredPolicy string `json:"stored_policy,omitempty"`
}

// RevokePlan says what revoking a token takes and what else it breaks.
type RevokePlan struct {
	Kind    string `json:"kind"`
	Account string `json:"account,omitempty"`
	// Container and Policy are set for a stored-policy token.
	Container string `json:"container,omitempty"`
	Policy    string `json:"policy,omitempty"`
	// Action says in words what revokes the token.
	Action string `json:"action"`
	// SignedWith names the key that signed the token ("none" when neither
	// given key did; empty for user delegation tokens).
	SignedWith string `json:"signed_with,omitempty"`
	// Commands are the Azure CLI commands that do it where the data plane
	// cannot.
	Commands []string `json:"commands"`
	// AlsoRevokes lists the other known tokens the action may kill, and
	// AlsoRevokesNote says how sure that is.
	AlsoRevokes     []KnownToken `json:"also_revokes"`
	AlsoRevokesNote string       `json:"also_revokes_note,omitempty"`
	Warnings        []string     `json:"warnings,omitempty"`
	Executed        bool         `json:"executed"`
	// RemainingPolicies are the container's policy Ids after --execute.
	RemainingPolicies []string `json:"remaining_policies,omitempty"`
}

// azKeyName maps a key name to the --key of "az storage account keys renew".
func azKeyName(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "key1", "primary":
		return "primary", true
	case "key2", "secondary":
		return "secondary", true
	}
	return "", false
}

// PlanRevoke says what revoking tok takes. keys are the account keys (to
// name the signing key); inventory lists other known tokens of any
// account, of which those that a key rotation may also kill are reported.
// It makes no request.
func PlanRevoke(tok *sas.Token, keys []sas.Key, inventory []InventoryEntry) RevokePlan {
	acct := tok.Account
	if acct == "" {
		acct = "ACCOUNT"
	}
	p := RevokePlan{Kind: RevokeKindKeySigned, Account: tok.Account, Commands: []string{}, AlsoRevokes: []KnownToken{}}
	if tok.Kind == sas.KindUserDelegation {
		p.Kind = RevokeKindUserDelegation
		p.Action = fmt.Sprintf("revoke the user delegation keys of account %s: that revokes every user delegation SAS of the account (keys and role assignments are cached, so allow a few minutes); alternatively remove the storage data role of the signing object %s", acct, tok.Get("skoid"))
		p.Commands = append(p.Commands, fmt.Sprintf("az storage account revoke-delegation-keys --name %s --resource-group RESOURCE_GROUP", acct))
		p.AlsoRevokesNote = "every user delegation SAS of the account stops working"
		return p
	}
	if len(keys) > 0 {
		if at, err := sas.Attribute(tok, keys); err == nil {
			p.SignedWith = at.SignedWith
		}
	}
	if tok.StoredPolicy != "" && tok.Kind == sas.KindService {
		p.Kind = RevokeKindStoredPolicy
		p.Container = firstSegment(tok.Path)
		p.Policy = tok.StoredPolicy
		p.Action = fmt.Sprintf("delete stored access policy %q on container %s (account %s): that revokes this token and every other token naming the policy, and nothing else; changes take up to 30 s to apply", tok.StoredPolicy, p.Container, acct)
		p.Warnings = append(p.Warnings, fmt.Sprintf("never re-create a policy with the Id %q: it would make every token that names it valid again", tok.StoredPolicy))
		for _, e := range inventory {
			if strings.EqualFold(e.Account, tok.Account) && !e.Expired && e.StoredPolicy == tok.StoredPolicy &&
				firstSegment(e.Path) == p.Container {
				p.AlsoRevokes = append(p.AlsoRevokes, e.KnownToken)
			}
		}
		if len(p.AlsoRevokes) > 0 {
			p.AlsoRevokesNote = fmt.Sprintf("the inventory lists %d token(s) naming policy %q on container %s; deleting it revokes them too (this one among them if it was scanned)", len(p.AlsoRevokes), tok.StoredPolicy, p.Container)
		}
		if p.SignedWith == sas.NoMatch {
			p.Warnings = append(p.Warnings, "the signature matches neither key given: the token may already be dead (a rotated key), or the keys are of another account")
		}
		return p
	}
	switch {
	case p.SignedWith == "":
		p.Action = fmt.Sprintf("rotate the account key of %s that signed this token (give --keys-file to learn which): key rotation is the only way to revoke a token bound to no stored policy", acct)
		p.Commands = append(p.Commands,
			fmt.Sprintf("az storage account keys renew --account-name %s --key primary", acct),
			fmt.Sprintf("az storage account keys renew --account-name %s --key secondary", acct))
	case p.SignedWith == sas.NoMatch:
		p.Action = fmt.Sprintf("nothing with these keys: the signature matches neither key given, so the token was signed with a key since rotated (and is dead) or with a key of another account")
	default:
		az, ok := azKeyName(p.SignedWith)
		p.Action = fmt.Sprintf("rotate %s of account %s: it signed this token, and rotating it is the only way to revoke a token bound to no stored policy", p.SignedWith, acct)
		if ok {
			p.Commands = append(p.Commands, fmt.Sprintf("az storage account keys renew --account-name %s --key %s", acct, az))
		} else {
			p.Commands = append(p.Commands, fmt.Sprintf("az storage account keys renew --account-name %s --key primary|secondary   # whichever holds the key named %s", acct, p.SignedWith))
		}
		p.Warnings = append(p.Warnings, fmt.Sprintf("rotating %s also breaks every application, connection string and SAS that uses it; move them to the other key first", p.SignedWith))
	}
	if p.SignedWith != sas.NoMatch {
		for _, e := range inventory {
			if !strings.EqualFold(e.Account, tok.Account) || e.Expired {
				continue
			}
			if e.Kind != string(sas.KindAccount) && e.Kind != string(sas.KindService) {
				continue
			}
			p.AlsoRevokes = append(p.AlsoRevokes, e.KnownToken)
		}
		if len(p.AlsoRevokes) > 0 {
			p.AlsoRevokesNote = fmt.Sprintf("the inventory lists %d other unexpired key-signed token(s) of account %s; each was signed with key1 or key2, and the report's redacted secrets cannot say which, so rotating one key kills those it signed: at most all of them (tokens bound to a stored policy are key-signed too)", len(p.AlsoRevokes), acct)
		} else if len(inventory) > 0 {
			p.AlsoRevokesNote = fmt.Sprintf("the inventory lists no other unexpired key-signed token of account %s", acct)
		}
	}
	return p
}

// InventoryEntry is a token from a scan report, with what PlanRevoke
// filters on.
type InventoryEntry struct {
	KnownToken
	Account string
	Expired bool
}

// DeletePolicy removes the stored access policy id from the container by
// read-modify-write of the container ACL, keeping the other policies and
// the public access level. It returns the Ids left.
func DeletePolicy(ctx context.Context, o Owner, containerName, id string) ([]string, error) {
	cc, _, err := o.containerClient(containerName)
	if err != nil {
		return nil, err
	}
	acl, err := getACL(ctx, cc)
	if err != nil {
		return nil, err
	}
	var keep []*container.SignedIdentifier
	found := false
	for _, si := range acl.ids {
		if si != nil && si.ID != nil && *si.ID == id {
			found = true
			continue
		}
		keep = append(keep, si)
	}
	if !found {
		return policyIDs(acl.ids), fmt.Errorf("container %s has no stored access policy %q (it has: %s); the token is already revoked, or names another container", containerName, id, strings.Join(policyIDs(acl.ids), ", "))
	}
	if err := putACL(ctx, cc, acl, keep); err != nil {
		return nil, err
	}
	return policyIDs(keep), nil
}
