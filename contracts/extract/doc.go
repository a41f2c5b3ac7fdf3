// Package extract reads a signed copy of the service-contract template
// (../shared/seed in the project's requirements: 2025产品售后服务保证书) and
// returns its terms in the contracts file format (package contracts), with
// the clause and line each value came from. docs/contracts-extract.md says
// what is read from which clause and by which rules.
//
// # Contract
//
//   - Parse takes the file's bytes, UTF-8 or GB18030 (detected; anything else
//     is an error), and returns a Result or every problem found, each a
//     *Problem printed as "FILE:LINE: clause 2.3.1: reply hours left blank",
//     joined in line order. Nothing is produced when a blank the KPIs need is
//     empty or unreadable, or when two clauses disagree.
//   - A Result's YAML is accepted by contracts.Parse and gives its Terms; each
//     value carries a comment naming its clause and line, or the flag, the
//     defaults file (with its line) or the default it came from.
//   - Clauses are read in the body: the table of contents is skipped, and the
//     appendix (附加条款), which reuses clause numbers, is kept apart.
//   - Party names (甲方, 乙方) are never read, so never copied.
//   - Check compares a Result with the versions loaded in ClickHouse.
package extract
