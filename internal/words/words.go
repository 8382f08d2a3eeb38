// Package words has the one rule for counting things in messages: "1 device", "2 devices".
package words

import "strconv"

// Plural is one when n is 1, else many.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count is n and the word for n of them: "1 device", "3 devices".
func Count(n int, one, many string) string { return strconv.Itoa(n) + " " + Plural(n, one, many) }
