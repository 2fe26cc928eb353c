package signedurl

import (
	"fmt"
	"strings"
	"time"

	"github.com/overshare/overshare/sas"
)

// remediate says what to do about u: which key to deactivate or
// regenerate, with the commands, and what else that breaks.
func remediate(u *URL, expired bool, now time.Time) sas.Remediation {
	if expired {
		return sas.Remediation{
			Revocation: sas.RevokeNothingExpiredAlready,
			Summary:    "expired: nothing to revoke for this " + noun(u),
			Steps: []string{
				"remove it from the repository and its history anyway: it names " + namesWords(u),
				"check that nothing still valid was signed the same way, by the same " + signerNoun(u),
			},
		}
	}
	switch {
	case u.Kind == KindServiceBus:
		return remediateServiceBus(u)
	case u.SignerType == SignerAWSTemporary:
		return remediateAWSSession(u, now)
	case u.SignerType == SignerGCSHMAC:
		return sas.Remediation{
			Revocation: RevokeHMACKey,
			Summary:    fmt.Sprintf("deactivate Cloud Storage HMAC key %s, which signed this URL: a signed URL cannot be revoked by itself", u.Signer),
			Steps: []string{
				fmt.Sprintf("gcloud storage hmac update %s --deactivate", u.Signer),
				fmt.Sprintf("then delete it: gcloud storage hmac delete %s", u.Signer),
				"give the programs that used it a new key: gcloud storage hmac create SERVICE_ACCOUNT_EMAIL",
				shortLivedAdvice(u),
			},
			AlsoRevokes: "every other URL signed with that HMAC key, and every program that uses it",
		}
	case u.SignerType == SignerGCSServiceAccount:
		sa := u.Signer
		bucket := u.Bucket
		if bucket == "" {
			bucket = "BUCKET"
		}
		return sas.Remediation{
			Revocation: RevokeServiceAccountKey,
			Summary:    fmt.Sprintf("delete the key of service account %s that signed this URL, or remove the account's access to gs://%s: a signed URL cannot be revoked by itself", sa, bucket),
			Steps: []string{
				fmt.Sprintf("list its keys (the URL does not say which one signed it): gcloud iam service-accounts keys list --iam-account %s --managed-by user", sa),
				fmt.Sprintf("delete the user-managed key that signed it: gcloud iam service-accounts keys delete KEY_ID --iam-account %s", sa),
				fmt.Sprintf("or stop it at once, whichever key signed it (also a Google-managed one used through signBlob): a signed URL only carries the signer's own permissions, so remove them: gcloud storage buckets remove-iam-policy-binding gs://%s --member=serviceAccount:%s --role=ROLE", bucket, sa),
				shortLivedAdvice(u),
			},
			AlsoRevokes: "every other URL signed with that key and every program using its key file (or, for the IAM change, everything that relies on the account's access to the bucket)",
		}
	}
	return remediateAWSKey(u)
}

func noun(u *URL) string {
	if u.Kind == KindServiceBus {
		return "token"
	}
	return "URL"
}

func signerNoun(u *URL) string {
	switch u.SignerType {
	case SignerPolicy:
		return "policy " + u.Signer
	case SignerEntityKey:
		return "key"
	case SignerGCSServiceAccount:
		return "service account " + u.Signer
	}
	return "key " + u.Signer
}

func shortLivedAdvice(u *URL) string {
	switch u.Kind {
	case KindGCSV2:
		return "sign new URLs with V4 (at most 7 days) and the shortest expiry that works"
	case KindGCSV4:
		return "sign new URLs with the shortest expiry that works, by a service account that can read only what it shares"
	case KindAWSSigV2:
		return "sign new URLs with SigV4 (at most 7 days), the shortest expiry that works, using a role session rather than a user's long-term key"
	}
	return "share with short-lived presigned URLs signed by a role session (temporary credentials), not by a user's long-term key"
}

func remediateAWSKey(u *URL) sas.Remediation {
	id := u.Signer
	if u.SignerType == SignerAccessKey {
		return sas.Remediation{
			Revocation: RevokeDeactivateAccessKey,
			Summary:    fmt.Sprintf("deactivate access key %s on the S3-compatible service at %s that issued it: a presigned URL cannot be revoked by itself", id, endpointWords(u)),
			Steps: []string{
				fmt.Sprintf("disable or delete access key %s in that service's console or admin tool (for MinIO: mc admin user svcacct disable ALIAS %s)", id, id),
				"give the programs that used it a new key",
				shortLivedAdvice(u),
			},
			AlsoRevokes: "every other URL signed with that key, and every program that uses it",
		}
	}
	bucket := u.Bucket
	if bucket == "" {
		bucket = "BUCKET"
	}
	return sas.Remediation{
		Revocation: RevokeDeactivateAccessKey,
		Summary:    fmt.Sprintf("deactivate access key %s, which signed this URL: a presigned URL cannot be revoked by itself", id),
		Steps: []string{
			fmt.Sprintf("find its IAM user: aws iam get-access-key-last-used --access-key-id %s (UserName in the answer)", id),
			fmt.Sprintf("aws iam update-access-key --access-key-id %s --status Inactive --user-name USER", id),
			fmt.Sprintf("give the programs that used it a new key (aws iam create-access-key --user-name USER), then aws iam delete-access-key --access-key-id %s --user-name USER", id),
			fmt.Sprintf("to refuse presigned URLs on the bucket altogether, deny s3:* in the policy of %s when the condition key s3:authType is REST-QUERY-STRING (or limit their age with s3:signatureAge)", bucket),
			shortLivedAdvice(u),
		},
		AlsoRevokes: "every other presigned URL signed with that key, and every program that uses it",
	}
}

func remediateAWSSession(u *URL, now time.Time) sas.Remediation {
	id := u.Signer
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"%s"}}}]}`,
		now.UTC().Format(time.RFC3339))
	return sas.Remediation{
		Revocation: RevokeSessions,
		Summary:    fmt.Sprintf("signed with temporary credentials %s: it dies with their session at the latest; to stop it now, revoke the sessions of the role that issued them", id),
		Steps: []string{
			fmt.Sprintf("find the role: aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=%s", id),
			fmt.Sprintf("revoke its sessions issued until now (the console's \"Revoke active sessions\" does the same): aws iam put-role-policy --role-name ROLE --policy-name AWSRevokeOlderSessions --policy-document '%s'", policy),
			"if the credentials came from an IAM user's GetSessionToken rather than a role, attach the same policy to that user (aws iam put-user-policy --user-name USER ...)",
			shortLivedAdvice(u),
		},
		AlsoRevokes: "every session of that role issued before now; running workloads must assume the role again",
	}
}

func remediateServiceBus(u *URL) sas.Remediation {
	ns := u.Namespace
	if ns == "" {
		ns = "NAMESPACE"
	}
	entity := u.Entity
	if entity == "" {
		entity = "ENTITY"
	}
	if u.Service == "iothub" {
		if u.Signer == "" {
			device := "DEVICE_ID"
			if rest, ok := strings.CutPrefix(u.Entity, "devices/"); ok && rest != "" {
				device, _, _ = strings.Cut(rest, "/")
			}
			return sas.Remediation{
				Revocation: RevokeRegeneratePolicyKey,
				Summary:    fmt.Sprintf("regenerate the key of device %s in IoT hub %s, which signed this token", device, ns),
				Steps: []string{
					fmt.Sprintf("az iot hub device-identity renew-key --hub-name %s --device-id %s --key-type primary (and secondary, or swap)", ns, device),
					"give the device its new key or, better, an X.509 certificate",
				},
				AlsoRevokes: "every token signed with that device key, and the device's own connection until it has the new key",
			}
		}
		return sas.Remediation{
			Revocation: RevokeRegeneratePolicyKey,
			Summary:    fmt.Sprintf("regenerate the key of shared access policy %s of IoT hub %s: it is the only way to revoke this token before it expires", u.Signer, ns),
			Steps: []string{
				fmt.Sprintf("az iot hub policy renew-key --hub-name %s --name %s --renew-key primary (or secondary: regenerate the one that signed it, or both one at a time)", ns, u.Signer),
				"give the services that use the policy its new connection string, or move them to Microsoft Entra ID",
			},
			AlsoRevokes: fmt.Sprintf("every token signed with that key, and every client whose connection string holds it (SharedAccessKeyName=%s)", u.Signer),
		}
	}
	skn := u.Signer
	if skn == "" {
		skn = "POLICY"
	}
	steps := []string{
		"find which of the policy's two keys signed it by checking the token against each (signedurl.VerifyServiceBus), or regenerate both, one at a time",
		fmt.Sprintf("Service Bus: az servicebus namespace authorization-rule keys renew --resource-group RG --namespace-name %s --name %s --key PrimaryKey (or SecondaryKey)", ns, skn),
		fmt.Sprintf("Event Hubs: az eventhubs namespace authorization-rule keys renew --resource-group RG --namespace-name %s --name %s --key PrimaryKey (or SecondaryKey)", ns, skn),
		fmt.Sprintf("if the policy is defined on the entity rather than the namespace: az servicebus queue authorization-rule keys renew --resource-group RG --namespace-name %s --queue-name %s --name %s --key PrimaryKey (topic: az servicebus topic ... --topic-name; event hub: az eventhubs eventhub ... --eventhub-name)", ns, entity, skn),
	}
	if isRootPolicy(u) {
		steps = append(steps, fmt.Sprintf("stop handing out %s: give each client a policy with only Send or Listen on one entity, or use Microsoft Entra ID and disable local (SAS) auth: az servicebus namespace update --resource-group RG --name %s --disable-local-auth true", RootPolicy, ns))
	} else {
		steps = append(steps, "issue new tokens for one entity, with the shortest expiry that works, from a policy with only the rights needed (Send or Listen)")
	}
	return sas.Remediation{
		Revocation:  RevokeRegeneratePolicyKey,
		Summary:     fmt.Sprintf("regenerate the key of shared access policy %s on %s: it is the only way to revoke this token before it expires", skn, ns),
		Steps:       steps,
		AlsoRevokes: fmt.Sprintf("every token signed with that key, and every client whose connection string holds it (SharedAccessKeyName=%s)", skn),
	}
}
