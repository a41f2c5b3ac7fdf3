// Package archtest holds no code: its test checks the imports of every
// package of the module against the layers of ARCHITECTURE.md, so that the
// one-way flow of the stages is enforced, not just drawn.
package archtest
