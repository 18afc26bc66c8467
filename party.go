package groundtruth

// PartyRole is the part a party plays in a financing.
type PartyRole string

// Party roles of SPEC §3.
const (
	PartyBorrower       PartyRole = "borrower"
	PartyCoreEnterprise PartyRole = "core_enterprise" // the anchor buyer of a supply chain
	PartyCustodian      PartyRole = "custodian"       // warehouse operator or collateral manager
	PartyDebtor         PartyRole = "debtor"          // buyer owing a receivable
)

// Party is a legal person: borrower, core enterprise, custodian or debtor.
type Party struct {
	ID             string      `json:"id" required:"false" doc:"Identifier chosen by the client, or generated when empty."`
	Name           string      `json:"name"`
	Roles          []PartyRole `json:"roles"`
	RegistrationID string      `json:"registration_id,omitempty"` // company register number
	Country        string      `json:"country,omitempty"`         // ISO 3166-1 alpha-2
	Region         string      `json:"region,omitempty"`
	// RelatedParties lists parties linked by ownership or control (related parties).
	RelatedParties []string `json:"related_parties,omitempty"`
	Meta
}

// Validate checks the party's fields.
func (p *Party) Validate() error {
	if err := ValidateID("id", p.ID); err != nil {
		return err
	}
	if err := ValidateText("name", p.Name, 200, true); err != nil {
		return err
	}
	if err := ValidateText("registration_id", p.RegistrationID, 64, false); err != nil {
		return err
	}
	if err := ValidateText("region", p.Region, 100, false); err != nil {
		return err
	}
	if len(p.Roles) == 0 {
		return FieldErrorf("roles", "needs at least one of borrower, core_enterprise, custodian, debtor")
	}
	for _, r := range p.Roles {
		switch r {
		case PartyBorrower, PartyCoreEnterprise, PartyCustodian, PartyDebtor:
		default:
			return FieldErrorf("roles", "unknown role %q", string(r))
		}
	}
	if p.Country != "" && !isUpperAlpha(p.Country, 2) {
		return FieldErrorf("country", "must be an ISO 3166-1 alpha-2 code such as \"DE\"")
	}
	for _, id := range p.RelatedParties {
		if err := ValidateID("related_parties", id); err != nil {
			return err
		}
		if id == p.ID {
			return FieldErrorf("related_parties", "a party cannot be related to itself")
		}
	}
	return nil
}

// HasRole reports whether the party plays role r.
func (p *Party) HasRole(r PartyRole) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func isUpperAlpha(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
