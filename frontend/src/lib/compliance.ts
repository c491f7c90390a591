// The compliance rules as people read them.

import { clock } from "./format";
import { plainMessage } from "./plain";
import type { Finding } from "./types";

/** Each rule's title (omnigen/compliance/rules.py); an id this app does not know yet is named
 *  by its family (MS-, AP-, …) or shown as it is. */
export const RULES: Record<string, string> = {
  "MS-COMPLETE": "Major statement names every major risk",
  "MS-BOXED-WARNING": "Major statement carries the boxed warning",
  "MS-LANGUAGE": "Consumer-friendly terms in the major statement",
  "MS-PACE": "Major statement no faster than the rest",
  "MS-DUAL-MODALITY": "Major statement shown while spoken",
  "MS-LEGIBILITY": "Major-statement text legible",
  "MS-DISTRACTION": "Nothing competes with the major statement",
  "AP-PHONE": "Toll-free number given",
  "AP-WEBSITE": "Website given",
  "AP-PRINT": "Print-ad reference given",
  "AP-HCP": "Healthcare-provider reference given",
  "NAME-GENERIC": "Brand name with its established name",
  "NAME-INDICATION": "An approved use is stated",
  "CLAIM-ABSOLUTE": "No unsubstantiated absolute claims",
  "FIT-DURATION": "Script fits the duration at a natural pace",
  "TEXT-FIT": "Every text fits its frame whole, inside title-safe",
  "TEXT-LEGIBILITY": "Every text big enough and legible on its plate",
  "TEXT-READING-TIME": "Every text on screen long enough to read",
  "AD-TYPE": "Content matches the ad type",
  "QC-TEXT-MISSING": "Text on screen whole",
  "QC-OFF-SAFE": "Text inside title-safe",
  "QC-CONTRAST": "Text contrast on the pixels",
  "QC-MS-NOT-SHOWN": "Major statement on screen while spoken",
  "QC-LOUDNESS": "Loudness on target",
  "QC-TRUE-PEAK": "True peak within the ceiling",
  "QC-DURATION": "Duration as timed",
};

const FAMILIES: Record<string, string> = {
  MS: "Major statement",
  AP: "Adequate provision",
  NAME: "Names and use",
  CLAIM: "Claims",
  FIT: "Fit",
  TEXT: "On-screen text",
  QC: "Render QC",
};

export function ruleName(rule: string): string {
  const id = rule.toUpperCase();
  return RULES[id] ?? FAMILIES[id.split("-")[0]] ?? rule.replace(/[_-]/g, " ");
}

/** One finding as a line a producer acts on: the rule by name (and id), where, and what is wrong. */
export function findingLine(f: Finding): string {
  const where = f.start_s !== null && f.end_s !== null ? ` at ${clock(f.start_s)}–${clock(f.end_s)}` : f.scene ? ` in scene ${f.scene}` : "";
  return `${ruleName(f.rule)} (${f.rule})${where}: ${plainMessage(f.message)}`;
}

/** A finding and what to do about it, as the workspace lists a draft's findings while editing. */
export function findingAdvice(f: Finding): string {
  const line = findingLine(f);
  const fix = f.fix ? plainMessage(f.fix) : "";
  if (!fix) return line;
  return `${/[.!?]$/.test(line) ? line : `${line}.`} ${fix.charAt(0).toUpperCase()}${fix.slice(1)}${/[.!?]$/.test(fix) ? "" : "."}`;
}
