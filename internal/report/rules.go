package report

import (
	"fmt"
	"strings"
	"unicode"
)

// ruleDoc describes a detection rule for readers of a report that stands
// on its own (the SARIF rule metadata GitHub shows next to every alert).
// It says what the rule finds and how to remediate such a finding in
// general; the finding's own remediation is specific to its credential.
//
// The descriptions live here, not with the rules, because this package
// may import only internal/finding. A rule ID not listed gets a generic
// description built from its name.
type ruleDoc struct {
	name  string // PascalCase, as SARIF tools name rules
	short string // one line
	full  string // a paragraph
	steps []string
	tags  []string
}

// removeFromHistory is the step every leaked credential shares.
const removeFromHistory = "Remove it from the file. Deleting a committed secret does not un-leak it: " +
	"it stays in git history, forks and clones, so revoke it first and treat it as public."

func ruleDocFor(id string) ruleDoc {
	switch id {
	case "azure-sas":
		return ruleDoc{
			name:  "AzureSharedAccessSignature",
			short: "Azure Storage shared access signature (SAS) token",
			full: "A SAS token grants whoever holds it the permissions, scope and lifetime written into it, with no sign-in. " +
				"overshare rates each token by what it allows, over how much data, for how long, and whether it can be revoked.",
			steps: []string{
				"Revoke the token. A SAS bound to a stored access policy is revoked by deleting or changing the policy; " +
					"a user delegation SAS by revoking the account's user delegation keys; any other SAS only by rotating " +
					"the account key that signed it, which also invalidates every other SAS signed with that key.",
				"Check the storage logs for requests made with the token while it was exposed.",
				removeFromHistory,
				"If a token is still needed, issue a least-privilege one: a service SAS for one container or blob, " +
					"only the permissions needed, a short expiry, HTTPS only, bound to a stored access policy " +
					"or signed as a user delegation SAS.",
			},
			tags: []string{"security", "secret", "azure", "sas"},
		}
	case "azure-storage-key":
		return ruleDoc{
			name:  "AzureStorageAccountKey",
			short: "Azure Storage account key",
			full: "An account key gives full control of every service and all data in the storage account, " +
				"and signs account and service SAS tokens. It never expires.",
			steps: []string{
				"Regenerate the key (Azure portal, or az storage account keys renew). " +
					"This also invalidates every SAS signed with it.",
				"Check the storage logs for requests made with the key while it was exposed.",
				removeFromHistory,
				"Prefer Microsoft Entra ID (managed identities) to shared keys, and consider disallowing shared key access on the account.",
			},
			tags: []string{"security", "secret", "azure"},
		}
	case "azure-connection-string":
		return ruleDoc{
			name:  "AzureStorageConnectionString",
			short: "Azure Storage connection string with a credential",
			full:  "A connection string carries an account key or a SAS token, and grants everything that credential grants.",
			steps: []string{
				"Revoke the credential it carries: regenerate the account key, or revoke the SAS token.",
				removeFromHistory,
				"Load connection strings from a secret store such as Azure Key Vault, or use managed identities instead.",
			},
			tags: []string{"security", "secret", "azure"},
		}
	case "azure-servicebus-sas":
		return ruleDoc{
			name:  "AzureServiceBusSharedAccessSignature",
			short: "Azure Service Bus or Event Hubs SAS token or key",
			full: "A Service Bus or Event Hubs shared access signature, or the policy key that signs one, " +
				"grants the Send, Listen or Manage rights of its shared access policy.",
			steps: []string{
				"Regenerate the key of the shared access policy that signed it; this revokes every token signed with that key.",
				removeFromHistory,
				"Use policies with the fewest rights needed, or Microsoft Entra ID authentication.",
			},
			tags: []string{"security", "secret", "azure", "sas"},
		}
	case "aws-presigned-url":
		return ruleDoc{
			name:  "AwsPresignedUrl",
			short: "AWS S3 presigned URL",
			full: "A presigned URL lets anyone who holds it make one S3 request with the permissions " +
				"of the credentials that signed it, until it expires.",
			steps: []string{
				"If it has not expired, revoke it by deactivating the access key that signed it, " +
					"or, for temporary credentials, by revoking the role's active sessions.",
				"Check CloudTrail data events for requests made with it.",
				removeFromHistory,
				"Presign with the shortest expiry that works, from credentials that reach only the objects needed.",
			},
			tags: []string{"security", "secret", "aws"},
		}
	case "aws-access-key":
		return ruleDoc{
			name:  "AwsAccessKey",
			short: "AWS access key",
			full:  "An AWS access key authenticates as its IAM user or role, with all of its permissions, until it is deactivated.",
			steps: []string{
				"Deactivate, then delete the access key in IAM, after creating a replacement if one is needed.",
				"Review CloudTrail for activity from the key while it was exposed.",
				removeFromHistory,
				"Prefer short-lived credentials (IAM roles, IAM Identity Center) to long-term access keys.",
			},
			tags: []string{"security", "secret", "aws"},
		}
	case "gcs-signed-url":
		return ruleDoc{
			name:  "GcsSignedUrl",
			short: "Google Cloud Storage signed URL",
			full: "A signed URL lets anyone who holds it make one Cloud Storage request with the permissions " +
				"of the service account or HMAC key that signed it, until it expires.",
			steps: []string{
				"If it has not expired, revoke it by deleting the service account key, or deactivating the HMAC key, that signed it.",
				"Check Cloud Audit Logs for requests made with it.",
				removeFromHistory,
				"Sign with the shortest expiry that works.",
			},
			tags: []string{"security", "secret", "gcp"},
		}
	case "private-key":
		return ruleDoc{
			name:  "PrivateKey",
			short: "Private key",
			full:  "A private key lets its holder authenticate, sign or decrypt as the owner of the matching public key or certificate.",
			steps: []string{
				"Replace the key pair, remove the public key wherever it is trusted (authorized_keys, deploy keys), " +
					"and revoke any certificate issued for it.",
				removeFromHistory,
			},
			tags: []string{"security", "secret"},
		}
	case "pickle-code-execution":
		return ruleDoc{
			name:  "PickleCodeExecution",
			short: "Pickle file that runs code when loaded",
			full: "Python pickle files, including most PyTorch and joblib model files, can run any code when they are loaded. " +
				"This file holds instructions that import or call code beyond plain data.",
			steps: []string{
				"Do not load the file. Find out where it came from and whether it was tampered with.",
				"Prefer formats that cannot run code, such as safetensors; with PyTorch, load with weights_only=True.",
				"If the file came from shared storage, check who could write there: a writable SAS lets anyone plant such a file.",
			},
			tags: []string{"security", "supply-chain", "pickle"},
		}
	}
	if rest, ok := strings.CutPrefix(id, "posture/"); ok {
		return ruleDoc{
			name:  pascalCase(id),
			short: "Storage configuration: " + strings.ReplaceAll(rest, "-", " "),
			full:  "A storage account setting in infrastructure code weakens the protection of its data.",
			steps: []string{"Change the setting as the finding describes, and redeploy."},
			tags:  []string{"security", "configuration", "azure"},
		}
	}
	return ruleDoc{
		name:  pascalCase(id),
		short: "Finding of rule " + id,
		full:  "A credential or risky file found by the overshare rule " + id + ".",
		steps: []string{
			"Revoke or rotate the credential, as the finding's remediation says.",
			removeFromHistory,
		},
		tags: []string{"security"},
	}
}

// helpText is the rule's help as plain text.
func (d ruleDoc) helpText() string {
	var b strings.Builder
	b.WriteString(d.full + "\n\nHow to fix:\n")
	for i, s := range d.steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.String()
}

// helpMarkdown is the rule's help as Markdown, which GitHub shows instead
// of the text. The texts above are written without Markdown syntax.
func (d ruleDoc) helpMarkdown() string {
	var b strings.Builder
	b.WriteString(d.full + "\n\n**How to fix**\n\n")
	for i, s := range d.steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.String()
}

// pascalCase turns a rule ID such as "posture/public-blob-access" into a
// SARIF rule name, "PosturePublicBlobAccess".
func pascalCase(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return b.String()
}
