package rules

// FixedParts returns the number of summary parts of c rendered as "%.Nf".format([x])
// without the whole CEL expression.
func FixedParts(c *Compiled) int {
	n := 0
	for _, p := range c.summary {
		if p.fixed != nil {
			n++
		}
	}
	return n
}
