package catalog

import "slices"

// Classify returns the severity of an adverse record (DOMAIN.md §3.1, §11.5)
// from its penalty categories (canonical code values; several allowed), its
// fine in 万元 and the explicit severity a department gave (a value of the
// severity field, e.g. "严重", or a Severity such as "serious").
//
// An explicit severity wins when it maps through SeverityValues. Otherwise
// the first matching SeverityRule decides; rules limited to a Sector are
// skipped because Classify has no sector input. An adverse class whose rules
// match nothing yields General. A class that is not adverse yields None.
//
// Because one rule list is checked in order with the most severe rule first,
// a record with several categories gets the severity of its most severe
// category, so the longest publicity period applies.
func (p Publicity) Classify(categories []string, fine float64, explicit string) Severity {
	if !p.Adverse {
		return None
	}
	if explicit != "" {
		if s, ok := p.SeverityValues[explicit]; ok {
			return s
		}
		switch s := Severity(explicit); s {
		case Minor, General, Serious:
			return s
		}
	}
	for _, r := range p.SeverityRules {
		if r.Sector != "" {
			continue
		}
		if r.matches(categories, fine) {
			return r.Severity
		}
	}
	return General
}

// matches reports whether r applies: any category in AnyOf, or all (at least
// one) categories in OnlyOf, or the fine at least FineAtLeast. A rule with no
// condition always matches.
func (r SeverityRule) matches(categories []string, fine float64) bool {
	if len(r.AnyOf) == 0 && len(r.OnlyOf) == 0 && r.FineAtLeast == 0 {
		return true
	}
	for _, c := range categories {
		if slices.Contains(r.AnyOf, c) {
			return true
		}
	}
	if len(r.OnlyOf) > 0 && len(categories) > 0 {
		all := true
		for _, c := range categories {
			if !slices.Contains(r.OnlyOf, c) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return r.FineAtLeast > 0 && fine >= r.FineAtLeast
}
