// Package hashcsv reads and validates Windows Autopilot hardware-hash CSVs:
// the files Get-WindowsAutopilotInfo, OEMs and resellers produce, which
// `device import` uploads and `device tag --from-csv` reads.
//
// It accepts what real files look like: UTF-16LE with a BOM (Windows
// PowerShell 5.1's Out-File default), UTF-16BE, UTF-8 with or without a BOM,
// ASCII; CRLF or LF; quoted or unquoted fields; blank lines; header names in
// any case with surrounding spaces. The columns are those of the admin
// center and the script's default, -GroupTag, -AssignedUser and -Partner
// layouts (the Column constants). Any other column is an error, because the
// admin center rejects extra columns.
//
// Everything streams: memory holds one row (capped at 256 KiB of text), plus
// what the caller keeps. An import works in two passes:
//
//	valid, problems := hashcsv.ValidateFiles(paths) // every problem, all files, at once
//	// report problems; stop unless --skip-invalid
//	keep := map[hashcsv.RowRef]bool{}               // from valid
//	r, err := hashcsv.Open(path)                    // second pass, per file
//	for d, err := r.Next(); err != io.EOF; d, err = r.Next() {
//		if err == nil && keep[d.Ref()] { /* add d to the batch */ }
//	}                                               // a *FileError comes once, then io.EOF
//
// Next returns a Problem for a row it cannot use and reads on; a *FileError
// ends the file. Problems print as `devices.csv:14: hardware hash is not
// base64 (column "Hardware Hash")`. Validator checks rows across files:
// serial present, hash present and standard padded base64, no serial or hash
// twice, Assigned User shaped like a UPN, group tag within MaxGroupTagLength.
// WriteSynthetic makes script-style files with fake hashes for demos,
// tests and benchmarks.
package hashcsv
