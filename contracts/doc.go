// Package contracts holds the terms of the after-sales service contracts as
// data: a YAML file (README.md in this folder is its reference), validated
// with the line of every problem, versioned by effective_from, and loaded
// into ClickHouse (table contract_terms, sql/0005_contract_terms.sql).
//
// # Contract
//
//   - Parse and ParseFile return a File or every problem of the file, each an
//     *Error printed as "file:line: contract ID: message", joined in line
//     order. A File they return is complete: versions sorted by
//     EffectiveFrom, no two at the same instant, inheritance resolved,
//     defaults filled in, every value within its documented range.
//   - File.At(id, opened) is the version in force for a request opened at
//     opened: the last one with EffectiveFrom ≤ opened. That version governs
//     all the request's SLA clocks (reply, on site, parts), however long it
//     stays open: a new version changes requests opened from then on, never
//     the outcome of older ones. Before the first version, or for an unknown
//     contract, there is none (false).
//   - KPI ids in targets and weights are checked by the caller, who knows the
//     catalog: File.CheckKPIs(known).
//   - Load writes every version (idempotently: a reload changes nothing Read
//     returns; a changed version replaces the old one) and never deletes one.
//     Read returns what is loaded; Parse → Load → Read gives an equal File
//     (File.Equal; only Terms.Line is lost).
//   - Sample is the demo's file (sample.yaml): the contracts of the traffic
//     generator.
//
// The package computes no business hours: a version names its calendar,
// support window, time zone and pause reasons, and package calendar and
// package sla turn them into clocks.
package contracts
