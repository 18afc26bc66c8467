// Package groundtruth holds the domain model of the groundtruth risk engine for
// asset-backed and supply-chain lending: tenants, parties, sites, loans, collateral,
// devices, releases, prices, the Event envelope appended to the journal, Money, the Error
// type with its codes, and the service interfaces implemented by the subpackages.
//
// It imports only the standard library. Implementations live in sibling packages
// (journal, engine, sqlite, postgres, httpapi) and cmd/groundtruth wires them together.
package groundtruth
