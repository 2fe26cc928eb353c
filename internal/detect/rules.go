package detect

import (
	"slices"

	"github.com/overshare/overshare/sas"
	"github.com/overshare/overshare/signedurl"
)

// DefaultRules returns a fresh list of every built-in rule.
func DefaultRules() []Rule {
	return []Rule{
		SASRule{},
		StorageKeyRule{},
		ConnStringRule{},
		PrivateKeyRule{},
		PKCS12FileRule{},
		AWSKeyRule{},
		AWSPresignedRule(),
		GCSSignedRule(),
		ServiceBusSASRule(),
	}
}

// ReasonCodes lists every reason code a finding of the built-in rules can
// carry, for validating policy overrides.
func ReasonCodes() []string {
	all := append(append(append(sas.ReasonCodes(), signedurl.ReasonCodes()...), RuleReasonCodes()...),
		ReasonKnownExample, ReasonMalformed)
	slices.Sort(all)
	return slices.Compact(all)
}
