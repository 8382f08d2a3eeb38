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
// what the caller keeps. Only regular files are opened (a pipe must be spooled
// to a file first), and every error names the line where its row starts.
// RecordReader applies these rules to any CSV (device lists read through it
// too); Reader adds the hash CSV's columns. An import works in two passes:
//
//	v := hashcsv.Validate(paths)       // every problem and warning, all files, at once
//	// report v.Invalid (ByRow groups them) and v.Warnings; stop unless --skip-invalid
//	keep := map[hashcsv.RowRef]bool{}  // from v.Valid
//	r, err := hashcsv.Open(path)       // second pass, per file
//	for d, err := r.Next(); err != io.EOF; d, err = r.Next() {
//		if err == nil && keep[d.Ref()] { /* add d to the batch, hash from DecodeHardwareHash */ }
//	}                                  // a *FileError comes once, then io.EOF
//
// Next returns a Problem for a row it cannot use and reads on; a *FileError
// ends the file. Problems print as `devices.csv:14: hardware hash is not
// base64 (column "Hardware Hash")`. Validator checks rows across files:
// serial present, hash present and standard base64 (a lost final "=" padding
// is forgiven), no serial or hash twice, and every value by the rules flags
// share (CheckSerialNumber, CheckGroupTag, CheckUPN: no control or format
// characters, Entra ID's UPN rules). A firmware placeholder serial number
// (PlaceholderSerial) is a warning once and explained when repeated.
// WriteSynthetic makes script-style files with fake hashes for demos,
// tests and benchmarks.
package hashcsv
